begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select id as task_a from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select id as task_b from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset
insert into public.ai_models (
    provider, model, display_name, input_usd_per_million, output_usd_per_million, cached_input_usd_per_million,
    price_source, price_read_on
)
values ('testprov', 'm', 'm', 2, 8, 0.5, 'https://example.test/prices', '2026-01-01');

select tests.authenticate_as_worker();
select public.record_llm_calls(jsonb_build_array(
    -- 1000 input tokens of which 400 cached, 200 output and 300 thinking: 0.0054 USD.
    jsonb_build_object('task_id', :'task_a', 'provider', 'testprov', 'model', 'm', 'outcome', 'success',
        'input_tokens', 1000, 'cached_tokens', 400, 'output_tokens', 200, 'thoughts_tokens', 300,
        'latency_ms', 900, 'http_status', 200, 'response_id', 'r1'),
    jsonb_build_object('task_id', :'task_b', 'provider', 'testprov', 'model', 'm', 'outcome', 'rate_limited',
        'http_status', 429, 'error', 'slow down'),
    -- An unknown model costs nothing.
    jsonb_build_object('task_id', :'task_b', 'provider', 'testprov', 'model', 'unknown', 'outcome', 'success',
        'input_tokens', 1000000)
)) as recorded \gset
select tests.clear_authentication();

select is(:'recorded'::integer, 3, 'record_llm_calls returns how many calls it recorded');
select results_eq(
    format($$ select task_id, outcome, cost_usd, input_tokens, cached_tokens, http_status, error, response_id, attempt
              from public.llm_calls where batch_id = %L order by id $$, :'batch_id'),
    format($$ values (%L::uuid, 'success', 0.0054::numeric(14, 8), 1000, 400, 200, null, 'r1', 0),
                     (%L::uuid, 'rate_limited', 0::numeric(14, 8), 0, 0, 429, 'slow down', null, 0),
                     (%L::uuid, 'success', 0::numeric(14, 8), 1000000, 0, null, null, null, 0) $$,
        :'task_a', :'task_b', :'task_b'),
    'each call is recorded in input order with its cost from ai_models'
);
select is((select spent_usd from public.task_batches where id = :'batch_id'), 0.0054::numeric(14, 8),
    'the batch spend is the sum of the costs');
select is(
    (select cost_usd from public.record_llm_call(:'task_a', 'testprov', 'm', 'success',
        p_input_tokens => 1000, p_cached_tokens => 400, p_output_tokens => 200, p_thoughts_tokens => 300)),
    0.0054::numeric(14, 8),
    'record_llm_call prices the same call the same'
);

select * from finish();
rollback;
