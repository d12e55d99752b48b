begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.delete_batch(%L)', :'batch_id'), 'OR005', null,
    'another user''s batch is refused as if it did not exist');
select tests.clear_authentication();

select is((select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 1, 'its tasks are kept');

select * from finish();
rollback;
