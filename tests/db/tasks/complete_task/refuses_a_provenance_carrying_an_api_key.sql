begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select throws_ok(
    format('select public.complete_task(%L, %L, %L, null, %L)', :'task_id', :'claim_token', '{"answer": "x"}',
        '{"provider": "gemini", "api_key": "AIzaSy-secret"}'),
    'OR011', null, 'a provenance with an api_key member is refused'
);
select throws_ok(
    format('select public.complete_task(%L, %L, %L, null, %L)', :'task_id', :'claim_token', '{"answer": "x"}',
        '{"request": {"headers": {"api_key": "AIzaSy-secret"}}}'),
    'OR011', null, 'at any depth'
);
select throws_ok(
    format('select public.complete_task(%L, %L, %L, null, %L)', :'task_id', :'claim_token', '{"answer": "x"}',
        '["gemini"]'),
    'OR011', null, 'a provenance that is not an object is refused'
);
select is(
    (select row(status, output_data, provenance)::text from public.ai_tasks where id = :'task_id'),
    row('processing', null::jsonb, null::jsonb)::text,
    'the task is unchanged'
);

select * from finish();
rollback;
