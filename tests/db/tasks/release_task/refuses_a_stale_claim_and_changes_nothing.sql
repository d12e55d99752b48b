begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select throws_ok(
    format('select public.release_task(%L, %L)', :'task_id', gen_random_uuid()),
    'OR006', null, 'a wrong claim token is refused as stale'
);
select is(
    (select row(status, claim_token)::text from public.ai_tasks where id = :'task_id'),
    row('processing', :'claim_token'::uuid)::text,
    'the task keeps its status and claim'
);
select throws_ok(
    format('select public.release_task(%L, %L)', gen_random_uuid(), :'claim_token'),
    'OR004', null, 'an unknown task raises OR004'
);

select * from finish();
rollback;
