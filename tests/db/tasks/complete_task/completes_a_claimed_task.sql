begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.complete_task(:'task_id', :'claim_token', '{"answer": "because"}') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'completed', 'complete_task returns completed');
select is((select status from public.ai_tasks where id = :'task_id'), 'completed', 'the task is completed');
select is((select output_data from public.ai_tasks where id = :'task_id'), '{"answer": "because"}'::jsonb, 'its output is stored');
select isnt((select completed_at from public.ai_tasks where id = :'task_id'), null, 'its completion time is stored');
select is(
    (select row(claim_token, locked_by, locked_until)::text from public.ai_tasks where id = :'task_id'),
    row(null::uuid, null::text, null::timestamptz)::text, 'the lease is released'
);
select is(
    (select row(status, completed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('completed', 1)::text, 'the batch of its one input completes'
);

select * from finish();
rollback;
