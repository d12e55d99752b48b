begin;
select plan(1);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.resume_batch(%L)', :'batch_id'), 'OR007', null, 'a pending batch cannot be resumed');

select * from finish();
rollback;
