begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token as old_token from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select tests.authenticate_as_worker();
select claim_token as new_token from public.claim_tasks('w2', 1) \gset
select tests.clear_authentication();
select count(*) as events_before from public.task_events where batch_id = :'batch_id' \gset

select tests.authenticate_as_service_role();
select throws_ok(
    format('select public.fail_task(%L, %L, %L)', :'task_id', :'old_token', 'timeout'),
    'OR006', null, 'a failure reported with a replaced token is refused as stale'
);
select throws_ok(
    format('select public.fail_task(%L, %L, %L, false)', :'task_id', gen_random_uuid(), 'timeout'),
    'OR006', null, 'a failure reported with a wrong token is refused as stale'
);
select tests.clear_authentication();

select is(
    (select row(status, retry_count, error_message, claim_token, locked_by)::text from public.ai_tasks where id = :'task_id'),
    row('processing', 0, null::text, :'new_token'::uuid, 'w2')::text,
    'the task keeps its status, retries, error and lease'
);
select is((select count(*) from public.task_events where batch_id = :'batch_id'), :'events_before'::bigint, 'no event is logged');

select * from finish();
rollback;
