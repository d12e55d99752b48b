begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]',
    p_config => '{"budget_usd": 0.01}') \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 'https://example.test/prices', '2026-01-01');
select tests.task_id(:'batch_id', 'answer') as task_id \gset

-- Over the budget in one call, then more calls in flight, one in a bulk record.
select public.record_llm_call(:'task_id', 'testprov', 'm', 'success', p_input_tokens => 2000, p_output_tokens => 3000);
select public.record_llm_call(:'task_id', 'testprov', 'm', 'success', p_input_tokens => 1000);
select public.record_llm_calls(jsonb_build_array(jsonb_build_object(
    'task_id', :'task_id', 'provider', 'testprov', 'model', 'm', 'outcome', 'success', 'input_tokens', 1000)));

select is(
    (select row(reason, status, paused_by, detail)::text from public.batch_pauses where batch_id = :'batch_id'),
    row('budget', 'active', null::uuid, '{"spent_usd": 0.014, "budget_usd": 0.01}'::jsonb)::text,
    'the budget pause is recorded once, with the budget and the spend, by nobody'
);

select tests.authenticate_as(:'owner_id');
select public.resume_batch(:'batch_id');
select tests.clear_authentication();
select is(
    (select row(status, resume_trigger, resumed_by)::text from public.batch_pauses where batch_id = :'batch_id'),
    row('resumed', 'person', :'owner_id'::uuid)::text,
    'resuming the batch ends the budget pause, by its owner'
);

-- A bulk record that goes over the budget again pauses it again, once.
select public.record_llm_calls(jsonb_build_array(
    jsonb_build_object('task_id', :'task_id', 'provider', 'testprov', 'model', 'm', 'outcome', 'success', 'input_tokens', 1000),
    jsonb_build_object('task_id', :'task_id', 'provider', 'testprov', 'model', 'm', 'outcome', 'success', 'input_tokens', 1000)));
select is(
    (select count(*)::integer from public.batch_pauses where batch_id = :'batch_id' and status = 'active' and reason = 'budget'),
    1,
    'a bulk record over the budget records one new pause'
);
select is(
    (select count(*)::integer from public.task_events where batch_id = :'batch_id' and event = 'pause' and to_status = 'paused'),
    2,
    'each budget pause is on the timeline once'
);

select * from finish();
rollback;
