begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as first_token \gset
-- The lease expires and another worker claims the task.
update public.ai_tasks set claim_token = gen_random_uuid(), locked_by = 'w2' where id = :'task_id';

select tests.authenticate_as_worker();
select id as call_id from public.record_llm_call(:'task_id', 'gemini', 'gemini-2.5-flash', 'success',
    p_input_tokens => 100, p_output_tokens => 10) \gset
select tests.clear_authentication();

select is((select count(*)::integer from public.llm_calls where id = :'call_id'), 1,
    'the call is recorded: it takes no claim token');
select cmp_ok((select spent_usd from public.task_batches where id = :'batch_id'), '>', 0::numeric,
    'and its cost is counted');

select * from finish();
rollback;
