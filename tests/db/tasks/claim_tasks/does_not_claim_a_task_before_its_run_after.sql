begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
update public.ai_tasks set run_after = now() + interval '1 minute' where batch_id = :'batch_id';

select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 10) \gset
select tests.clear_authentication();

select is(:'claimed_count'::integer, 0, 'a task due in the future is not claimed');
select is((select status from public.ai_tasks where batch_id = :'batch_id'), 'plan', 'it stays in plan');

select * from finish();
rollback;
