begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.release_task(:'task_id', :'claim_token') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'it returns plan');
select is(
    (select row(status, retry_count, claim_token, locked_by, locked_until, run_after)::text
     from public.ai_tasks where id = :'task_id'),
    row('plan', 0, null::uuid, null::text, null::timestamptz, now())::text,
    'the task is plan, due now, its claim cleared and no retry spent'
);
select is((select count(*)::integer from public.v_runnable_tasks where id = :'task_id'), 1,
    'it is runnable again at once');
select throws_ok(
    format('select public.complete_task(%L, %L, %L)', :'task_id', :'claim_token', '{"answer": "x"}'),
    'OR006', null, 'the released claim can no longer complete the task'
);

select * from finish();
rollback;
