begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select throws_ok(
    format($$ select public.report_task_failure(%L, %L, 'gremlins', 'x') $$, :'task_id', :'claim_token'),
    'OR010', null, 'a kind the database does not know raises OR010');
select throws_ok(
    format($$ select public.report_task_failure(%L, %L, 'no_usable_key', 'x') $$, :'task_id', :'claim_token'),
    'OR010', null, 'a wait for a key that names no provider raises OR010');
select throws_ok(
    format($$ select public.report_task_failure(%L, gen_random_uuid(), 'unreadable_task', 'x') $$, :'task_id'),
    'OR006', null, 'a stale claim token raises OR006');
select tests.clear_authentication();

select is(
    (select row(status, error_code)::text from public.ai_tasks where id = :'task_id'),
    row('processing', null::text)::text,
    'the task is still processing under its claim'
);

select * from finish();
rollback;
