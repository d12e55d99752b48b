begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]',
    p_config => '{"budget_usd": 0.01}') \gset
select id as other_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "c"}]') \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 'https://example.test/prices', '2026-01-01');
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.task_id(:'other_batch_id', 'answer') as other_task_id \gset

-- Two calls of 0.006 USD each in the budgeted batch, one in the other batch.
select tests.authenticate_as_worker();
select public.record_llm_calls((
    select jsonb_agg(jsonb_build_object('task_id', t, 'provider', 'testprov', 'model', 'm', 'outcome', 'success',
        'input_tokens', 2000, 'output_tokens', 1000))
    from unnest(array[:'task_id', :'task_id', :'other_task_id']::uuid []) as t
));
select tests.clear_authentication();

select is(
    (select row(status, status_reason, spent_usd)::text from public.task_batches where id = :'batch_id'),
    row('paused', 'budget of 0.01 USD reached (0.012 USD spent)', 0.012::numeric(14, 8))::text,
    'the batch whose spend reaches its budget pauses itself, saying why'
);
select is(
    (select count(*)::integer from public.task_events
     where batch_id = :'batch_id' and event = 'batch_status' and to_status = 'paused'),
    1,
    'the pause is logged once'
);
select is(
    (select row(status, spent_usd)::text from public.task_batches where id = :'other_batch_id'),
    row('pending', 0.006::numeric(14, 8))::text,
    'the batch without a budget only adds to its spend'
);

select * from finish();
rollback;
