begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token as first_token from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';

select tests.authenticate_as_worker();
select task_id as second_task_id, claim_token as second_token from public.claim_tasks('w2', 1) \gset
select tests.clear_authentication();

select is(:'second_task_id'::uuid, :'task_id'::uuid, 'the task whose lease expired is claimed again');
select isnt(:'second_token'::uuid, :'first_token'::uuid, 'with a new claim token');

select is((select locked_by from public.ai_tasks where id = :'task_id'), 'w2', 'the new worker holds the lease');
select is((select lease_expired_count from public.ai_tasks where id = :'task_id'), 1, 'the expired lease is counted');
select is((select retry_count from public.ai_tasks where id = :'task_id'), 0, 'an expired lease spends no retry');
select is((select claim_count from public.ai_tasks where id = :'task_id'), 2, 'both claims are counted');

select * from finish();
rollback;
