begin;
select plan(3);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset

select ok(not has_function_privilege('authenticated', 'public.record_llm_calls(jsonb)', 'execute')
    and not has_function_privilege('anon', 'public.record_llm_calls(jsonb)', 'execute'),
    'neither authenticated nor anon has execute on record_llm_calls');

select tests.authenticate_as(:'user_a');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(
        jsonb_build_object('task_id', :'task_a', 'provider', 'gemini', 'model', 'm', 'outcome', 'success'))),
    '42501', null, 'the owner calling record_llm_calls is refused with 42501');
select tests.clear_authentication();

select is((select count(*)::integer from public.llm_calls), 0, 'no call is recorded');

select * from finish();
rollback;
