begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'invalid_request', '400: unknown field') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'failed', 'report_task_failure returns failed');
select is(
    (select row(status, retry_count, error_code, error_message)::text from public.ai_tasks where id = :'task_id'),
    row('failed', 0, 'OR027', '400: unknown field')::text,
    'the task fails for good at once with the code of a refused request, its retries unspent'
);
select is((select failed_tasks from public.task_batches where id = :'batch_id'), 1, 'the batch counts the failed input');

select * from finish();
rollback;
