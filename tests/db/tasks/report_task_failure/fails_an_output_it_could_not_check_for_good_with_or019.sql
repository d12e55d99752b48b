begin;
select plan(1);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'output_uncheckable', 'not checked within 5 s');
select tests.clear_authentication();

select is(
    (select row(status, retry_count, error_code)::text from public.ai_tasks where id = :'task_id'),
    row('failed', 0, 'OR019')::text,
    'the task fails for good with OR019 although it had retries left'
);

select * from finish();
rollback;
