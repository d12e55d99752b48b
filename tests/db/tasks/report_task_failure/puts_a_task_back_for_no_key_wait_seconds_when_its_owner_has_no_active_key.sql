begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'no_usable_key', 'no key', 'openai') as result \gset
select tests.clear_authentication();

select is(
    (select row(status, retry_count, error_code, error_message)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 0, 'OR030', 'no usable openai key: none is active')::text,
    'the task is back in plan, no retry spent, saying why'
);
select is((select run_after from public.ai_tasks where id = :'task_id'),
    now() + make_interval(secs => (select value from orchable.limits where name = 'no_key_wait_seconds')),
    'it comes back after no_key_wait_seconds');

select * from finish();
rollback;
