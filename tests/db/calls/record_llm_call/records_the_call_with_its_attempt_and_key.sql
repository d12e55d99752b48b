begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-worker-key-0123456789', p_owner_id => :'owner_id') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
update public.ai_tasks set retry_count = 2 where id = :'task_id';

select tests.authenticate_as_worker();
select id as call_id from public.record_llm_call(
    p_task_id => :'task_id', p_provider => 'gemini', p_model => 'gemini-2.5-flash', p_outcome => 'rate_limited',
    p_api_key_id => :'key_id', p_latency_ms => 812, p_http_status => 429, p_error => 'RESOURCE_EXHAUSTED',
    p_response_id => 'resp-1'
) \gset
select tests.clear_authentication();

select is(
    (select row(owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
                latency_ms, response_id)::text
     from public.llm_calls where id = :'call_id'),
    row(:'owner_id'::uuid, :'batch_id'::uuid, :'task_id'::uuid, :'key_id'::uuid, 'gemini', 'gemini-2.5-flash', 2,
        'rate_limited', 429, 'RESOURCE_EXHAUSTED', 812, 'resp-1')::text,
    'the call is recorded with the task''s owner, batch, attempt (retry_count) and key id'
);
select is((select cost_usd from public.llm_calls where id = :'call_id'), 0::numeric,
    'a call with no tokens costs nothing');

-- A key deleted while the call ran is not named; the call is still recorded.
delete from public.user_api_keys where id = :'key_id';
select public.record_llm_call(:'task_id', 'gemini', 'gemini-2.5-flash', 'success', p_api_key_id => :'key_id');
select is((select count(*)::integer from public.llm_calls where task_id = :'task_id' and api_key_id is null), 2,
    'a call with a deleted key is recorded without it (and the earlier call loses it too)');

select * from finish();
rollback;
