begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

select throws_ok(
    format('select public.record_llm_call(%L, %L, %L, %L, p_output_tokens => -1)', :'task_id', 'gemini', 'gemini-2.5-flash', 'success'),
    'OR010', null, 'a negative token count raises OR010');
select throws_ok(
    format('select public.record_llm_call(%L, %L, %L, %L)', :'task_id', 'gemini', '', 'success'),
    'OR010', null, 'a blank model raises OR010');

select * from finish();
rollback;
