begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select throws_ok(format('select public.record_llm_call(%L, %L, %L, %L)', :'task_id', 'gemini', 'gemini-2.5-flash', 'exploded'),
    'OR016', null, 'an outcome a call cannot have raises OR016');
select throws_ok(format('select public.record_llm_call(%L, %L, %L, null)', :'task_id', 'gemini', 'gemini-2.5-flash'),
    'OR016', null, 'a null outcome raises OR016');
select is((select count(*)::integer from public.llm_calls where task_id = :'task_id'), 0, 'nothing is recorded');

select * from finish();
rollback;
