begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
insert into public.ai_models (
    provider, model, display_name, input_usd_per_million, output_usd_per_million, cached_input_usd_per_million,
    price_source, price_read_on
)
values
    ('testprov', 'cached-model', 'with a cached price', 2, 8, 0.5, 'https://example.test/prices', '2026-01-01'),
    ('testprov', 'uncached-model', 'without a cached price', 2, 8, null, 'https://example.test/prices', '2026-01-01');

-- 1000 input tokens of which 400 cached, 200 output and 300 thinking tokens.
select is(
    (select cost_usd from public.record_llm_call(:'task_id', 'testprov', 'cached-model', 'success',
        p_input_tokens => 1000, p_cached_tokens => 400, p_output_tokens => 200, p_thoughts_tokens => 300)),
    0.0054::numeric,
    '600 input at 2, 400 cached at 0.5 and 500 output (thinking included) at 8 USD per million'
);
select is(
    (select cost_usd from public.record_llm_call(:'task_id', 'testprov', 'uncached-model', 'success',
        p_input_tokens => 1000, p_cached_tokens => 400, p_output_tokens => 200, p_thoughts_tokens => 300)),
    0.006::numeric,
    'without a cached price, cached tokens cost the input price'
);
select is(
    (select cost_usd from public.record_llm_call(:'task_id', 'gemini', 'gemini-2.5-flash', 'success',
        p_input_tokens => 1000000, p_output_tokens => 1000000)),
    (select input_usd_per_million + output_usd_per_million from public.ai_models
     where provider = 'gemini' and model = 'gemini-2.5-flash'),
    'a seeded model is priced from its seeded row'
);

select * from finish();
rollback;
