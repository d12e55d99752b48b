begin;
select plan(7);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select tests.seed_single_stage_pipeline(:'user_b') as orchestrator_b \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "a"}]') \gset
select id as batch_b from public.launch_batch(:'orchestrator_b', '[{"question": "b"}]') \gset
select id as call_a from public.record_llm_call(tests.task_id(:'batch_a', 'answer'), 'gemini', 'gemini-2.5-flash',
    'success', p_input_tokens => 10) \gset
select id as call_b from public.record_llm_call(tests.task_id(:'batch_b', 'answer'), 'gemini', 'gemini-2.5-flash',
    'success', p_input_tokens => 10) \gset

select tests.authenticate_as(:'user_a');
select set_eq($$ select id::text from public.llm_calls $$, format('values (%L)', :'call_a'),
    'A sees exactly their own LLM calls');
select set_eq($$ select batch_id::text from public.v_batch_progress $$, format('values (%L)', :'batch_a'),
    'A sees exactly their own batches in v_batch_progress');
select is((select llm_call_count from public.v_batch_progress where batch_id = :'batch_a'), 1::bigint,
    'with their calls counted');
select tests.clear_authentication();

select tests.authenticate_as(:'user_b');
select set_eq($$ select id::text from public.llm_calls $$, format('values (%L)', :'call_b'),
    'B sees exactly their own LLM calls');
select set_eq($$ select batch_id::text from public.v_batch_progress $$, format('values (%L)', :'batch_b'),
    'B sees exactly their own batches in v_batch_progress');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select set_eq($$ select id::text from public.llm_calls $$, format('values (%L), (%L)', :'call_a', :'call_b'),
    'service_role sees every LLM call');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from public.llm_calls $$, '42501', null, 'anon reading llm_calls is refused');
select tests.clear_authentication();

select * from finish();
rollback;
