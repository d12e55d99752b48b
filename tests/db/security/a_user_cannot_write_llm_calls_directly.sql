begin;
select plan(4);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select id as call_a from public.record_llm_call(:'task_a', 'gemini', 'gemini-2.5-flash', 'success',
    p_input_tokens => 1000) \gset

select tests.authenticate_as(:'user_a');
select throws_ok(
    format($$ insert into public.llm_calls (owner_id, batch_id, task_id, provider, model, attempt, outcome)
              values (%L, %L, %L, 'gemini', 'x', 0, 'success') $$, :'user_a', :'batch_a', :'task_a'),
    '42501', null, 'A inserting a call is refused with 42501 (record_llm_call is the way)');
select throws_ok(format($$ update public.llm_calls set cost_usd = 0 where id = %L $$, :'call_a'),
    '42501', null, 'A rewriting the cost of their own call is refused with 42501');
select throws_ok(format($$ delete from public.llm_calls where id = %L $$, :'call_a'),
    '42501', null, 'A deleting their own call is refused with 42501');
select throws_ok(format($$ update public.task_batches set spent_usd = 0 where id = %L $$, :'batch_a'),
    '42501', null, 'A resetting their batch''s spend is refused with 42501');
select tests.clear_authentication();

select * from finish();
rollback;
