begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]',
    p_config => '{"budget_usd": 0.01}') \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 'https://example.test/prices', '2026-01-01');
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select public.record_llm_call(:'task_id', 'testprov', 'm', 'success', p_input_tokens => 2000, p_output_tokens => 1000);
select is((select status from public.task_batches where id = :'batch_id'), 'pending',
    'under the budget (0.006 of 0.01 USD) the batch goes on');

select public.record_llm_call(:'task_id', 'testprov', 'm', 'success', p_input_tokens => 2000, p_output_tokens => 1000);
select is(
    (select row(status, status_reason)::text from public.task_batches where id = :'batch_id'),
    row('paused', 'budget of 0.01 USD reached (0.012 USD spent)')::text,
    'at the budget the batch pauses itself, saying why'
);
select is((select count(*)::integer from public.v_runnable_tasks where batch_id = :'batch_id'), 0,
    'none of its tasks can be claimed');
select is(
    (select detail ->> 'reason' from public.task_events
     where batch_id = :'batch_id' and event = 'batch_status' and to_status = 'paused'),
    'budget of 0.01 USD reached (0.012 USD spent)',
    'the pause is logged with its reason'
);

-- A call still in flight is recorded; the batch stays paused with its first reason.
select public.record_llm_call(:'task_id', 'testprov', 'm', 'success', p_input_tokens => 1000);
select is(
    (select row(status, status_reason, spent_usd)::text from public.task_batches where id = :'batch_id'),
    row('paused', 'budget of 0.01 USD reached (0.012 USD spent)', 0.013::numeric(14, 8))::text,
    'a later call adds to the spend and leaves the pause as it was'
);

select * from finish();
rollback;
