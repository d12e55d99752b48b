begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'timeout', 'no answer within 120 s') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'report_task_failure returns plan');
select is(
    (select row(status, retry_count, error_code, error_message, claim_token)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 1, 'OR024', 'no answer within 120 s', null::uuid)::text,
    'the task is back in plan with a retry spent and the code of a timeout'
);
select ok((select run_after > now() from public.ai_tasks where id = :'task_id'), 'it waits out a backoff first');

select * from finish();
rollback;
