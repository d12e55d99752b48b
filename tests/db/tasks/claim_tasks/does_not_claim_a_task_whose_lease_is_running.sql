begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select count(*) as claimed_count from public.claim_tasks('w2', 10) \gset
select tests.clear_authentication();

select is(:'claimed_count'::integer, 0, 'a task under a running lease is not claimed again');
select is((select claim_token from public.ai_tasks where id = :'task_id'), :'claim_token'::uuid, 'the first claim token still holds');
select is((select locked_by from public.ai_tasks where id = :'task_id'), 'w1', 'the first worker keeps the lease');

select * from finish();
rollback;
