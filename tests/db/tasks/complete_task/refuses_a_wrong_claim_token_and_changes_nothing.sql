begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();
select count(*) as events_before from public.task_events where batch_id = :'batch_id' \gset

select tests.authenticate_as_service_role();
select throws_ok(
    format('select public.complete_task(%L, %L, %L)', :'task_id', gen_random_uuid(), '{"answer": "x"}'),
    'OR006', null, 'a wrong claim token is refused as stale'
);
select tests.clear_authentication();

select is(
    (select row(status, output_data, claim_token, locked_by)::text from public.ai_tasks where id = :'task_id'),
    row('processing', null::jsonb, :'claim_token'::uuid, 'w1')::text,
    'the task keeps its status, its (absent) output and its lease'
);
select is((select count(*) from public.task_events where batch_id = :'batch_id'), :'events_before'::bigint, 'no event is logged');
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 0, 'the batch counters are unchanged');

select * from finish();
rollback;
