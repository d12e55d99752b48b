begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset
select locked_until as locked_before from public.ai_tasks where id = :'task_id' \gset

select throws_ok(
    format('select public.extend_lease(%L, %L, 600)', :'task_id', gen_random_uuid()),
    'OR006', null, 'a token replaced by another claim is refused as stale'
);
select is((select locked_until from public.ai_tasks where id = :'task_id'), :'locked_before'::timestamptz,
    'the lease is unchanged');
select throws_ok(
    format('select public.extend_lease(%L, %L, 600)', gen_random_uuid(), :'claim_token'),
    'OR004', null, 'an unknown task raises OR004'
);
select public.complete_task(:'task_id', :'claim_token', '{"answer": "x"}');
select throws_ok(
    format('select public.extend_lease(%L, %L, 600)', :'task_id', :'claim_token'),
    'OR006', null, 'a task that is no longer processing cannot have its lease extended'
);

select * from finish();
rollback;
