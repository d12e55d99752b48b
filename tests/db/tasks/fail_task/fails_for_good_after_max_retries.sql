begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id', 'single', 1) as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select public.fail_task(:'task_id', tests.claim(:'task_id'), 'first') as first_result \gset
update public.ai_tasks set run_after = now() where id = :'task_id';
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'second') as second_result \gset

select is(:'first_result'::text, 'plan', 'the first failure is retried');
select is(:'second_result'::text, 'failed', 'the failure after max_retries is final');
select is(
    (select row(status, retry_count, error_message)::text from public.ai_tasks where id = :'task_id'),
    row('failed', 1, 'second')::text, 'the task is failed with its retries spent and the last error'
);
select is(
    (select row(status, failed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('failed', 1)::text, 'the batch of its one input fails'
);

select * from finish();
rollback;
