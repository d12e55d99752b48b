begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

-- A well-formed call first, so that each case also proves the whole array is refused.
select jsonb_build_object('task_id', :'task_id', 'provider', 'gemini', 'model', 'm', 'outcome', 'success')
    as good \gset

select tests.authenticate_as_worker();
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb, null)),
    'OR010', null, 'an element that is not an object raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb,
        :'good'::jsonb || '{"task_id": ""}')),
    'OR010', null, 'a task_id that is not a uuid raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb, :'good'::jsonb - 'task_id')),
    'OR010', null, 'an element without a task_id raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb,
        :'good'::jsonb || '{"api_key_id": "key-1"}')),
    'OR010', null, 'an api_key_id that is not a uuid raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb,
        :'good'::jsonb || '{"output_tokens": 2147483648}')),
    'OR010', null, 'a count beyond the integer range raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(:'good'::jsonb,
        :'good'::jsonb || '{"http_status": 200.5}')),
    'OR010', null, 'a number that is not whole raises OR010');
select tests.clear_authentication();

select is((select count(*)::integer from public.llm_calls where task_id = :'task_id'), 0, 'nothing was recorded');

select * from finish();
rollback;
