begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.fail_task(:'task_id', :'claim_token', 'rate limited') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'fail_task returns plan');
select is((select status from public.ai_tasks where id = :'task_id'), 'plan', 'the task is back in plan');
select is((select retry_count from public.ai_tasks where id = :'task_id'), 1, 'one retry is spent');
select ok(
    (select run_after between now() + interval '5 seconds' and now() + interval '15 seconds'
     from public.ai_tasks where id = :'task_id'),
    'the first retry waits between 5 and 15 seconds'
);
select is((select error_message from public.ai_tasks where id = :'task_id'), 'rate limited', 'the error message is stored');
select is(
    (select row(claim_token, locked_by, locked_until)::text from public.ai_tasks where id = :'task_id'),
    row(null::uuid, null::text, null::timestamptz)::text, 'the lease is released'
);

select * from finish();
rollback;
