begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select is(
    (select cost_usd from public.record_llm_call(:'task_id', 'gemini', 'gemini-9-ultra', 'success',
        p_input_tokens => 5000, p_output_tokens => 5000)),
    0::numeric,
    'a model missing from ai_models costs 0'
);
select is(
    (select cost_usd from public.record_llm_call(:'task_id', 'offline', 'offline', 'success',
        p_input_tokens => 5000, p_output_tokens => 5000)),
    0::numeric,
    'the offline model costs 0'
);

select * from finish();
rollback;
