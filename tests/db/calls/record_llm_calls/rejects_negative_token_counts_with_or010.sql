begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select tests.authenticate_as_worker();
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(
        jsonb_build_object('task_id', :'task_id', 'provider', 'gemini', 'model', 'm', 'outcome', 'success',
            'output_tokens', -1))),
    'OR010', null, 'a negative token count raises OR010');
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(
        jsonb_build_object('task_id', :'task_id', 'provider', ' ', 'model', 'm', 'outcome', 'success'))),
    'OR010', null, 'a blank provider raises OR010');
select tests.clear_authentication();

select * from finish();
rollback;
