begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 'https://example.test/prices', '2026-01-01');

-- 2147483647 output and 2147483647 thinking tokens: their sum is beyond the integer range.
select tests.authenticate_as_worker();
select lives_ok(
    format('select public.record_llm_call(%L, %L, %L, %L, p_output_tokens => 2147483647, p_thoughts_tokens => 2147483647)',
        :'task_id', 'testprov', 'm', 'success'),
    'the call is recorded'
);
select tests.clear_authentication();

select is(
    (select cost_usd from public.llm_calls where task_id = :'task_id'),
    17179.869176::numeric(14, 8),
    'at the output price for both counts'
);

select * from finish();
rollback;
