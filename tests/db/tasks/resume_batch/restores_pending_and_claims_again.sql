begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as(:'owner_id');
select status as paused_status from public.pause_batch(:'batch_id') \gset
select status as resumed_status from public.resume_batch(:'batch_id') \gset
select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 10) \gset
select tests.clear_authentication();

select is(:'resumed_status'::text, 'pending', 'a batch paused before any claim is pending again');
select is((select status_reason from public.task_batches where id = :'batch_id'), null, 'the pause reason is cleared');
select is(:'claimed_count'::integer, 1, 'its tasks are claimed again');

select * from finish();
rollback;
