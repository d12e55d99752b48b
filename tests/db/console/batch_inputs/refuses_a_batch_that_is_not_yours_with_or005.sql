begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('stranger@example.test') as stranger_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why?"}]') \gset
select tests.clear_authentication();

select tests.authenticate_as(:'stranger_id');
select throws_ok(format('select public.batch_inputs(%L)', :'batch_id'), 'OR005', format('batch %s not found', :'batch_id'),
    'another user''s batch is not found');
select throws_ok(format('select public.batch_inputs(%L)', gen_random_uuid()), 'OR005', null,
    'nor is a batch that does not exist');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format('select public.batch_inputs(%L)', :'batch_id'), '42501', null, 'anon may not call it');
select tests.clear_authentication();

select * from finish();
rollback;
