begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
update public.ai_tasks set retry_count = max_retries where batch_id = :'batch_id';
select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'server_error', '503 from the provider') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'failed', 'report_task_failure returns failed');
select is(
    (select row(status, error_code)::text from public.ai_tasks where id = :'task_id'),
    row('failed', 'OR023')::text,
    'the task fails with the code of a server error'
);

select * from finish();
rollback;
