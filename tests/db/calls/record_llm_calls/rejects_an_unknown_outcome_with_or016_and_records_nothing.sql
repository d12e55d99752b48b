begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select tests.authenticate_as_worker();
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(
        jsonb_build_object('task_id', :'task_id', 'provider', 'gemini', 'model', 'm', 'outcome', 'success'),
        jsonb_build_object('task_id', :'task_id', 'provider', 'gemini', 'model', 'm', 'outcome', 'exploded'))),
    'OR016', null, 'an unknown outcome in any element raises OR016');
select tests.clear_authentication();

select is((select count(*)::integer from public.llm_calls where batch_id = :'batch_id'), 0,
    'not even the valid call is recorded');

select * from finish();
rollback;
