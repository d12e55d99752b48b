begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id', 'single', 1) as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'first') as first_result \gset
update public.ai_tasks set run_after = now() where id = :'task_id';
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'second') as second_result \gset

select tests.authenticate_as(:'owner_id');
select public.retry_task(:'task_id') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'retry_task returns plan');
select is(
    (select row(status, retry_count, error_message, error_code)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 0, null::text, null::text)::text, 'the task is back in plan with fresh retries and no error'
);
select ok((select run_after <= now() from public.ai_tasks where id = :'task_id'), 'it is runnable at once');
select is(
    (select row(status, failed_tasks, finished_at)::text from public.task_batches where id = :'batch_id'),
    row('processing', 0, null::timestamptz)::text, 'the batch leaves failed'
);
select is(
    (select row(t.completed_tasks, t.failed_tasks)::text from tests.recount(:'batch_id') as t),
    (select row(completed_tasks, failed_tasks)::text from public.task_batches where id = :'batch_id'),
    'the batch counters equal a recount'
);

select * from finish();
rollback;
