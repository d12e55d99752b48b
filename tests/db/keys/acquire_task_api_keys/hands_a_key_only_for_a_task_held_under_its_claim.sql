begin;
select plan(5);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select public.add_api_key('gemini', 'AIzaSy-key-of-user-a-000001', p_owner_id => :'user_a');
select public.add_api_key('gemini', 'AIzaSy-key-of-user-b-000001', p_owner_id => :'user_b');
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select tests.seed_single_stage_pipeline(:'user_b') as orchestrator_b \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "a1"}, {"question": "a2"}]') \gset
select id as batch_b from public.launch_batch(:'orchestrator_b', '[{"question": "b1"}]') \gset
select id as held_a from public.ai_tasks where batch_id = :'batch_a' and input_data ->> 'question' = 'a1' \gset
select id as queued_a from public.ai_tasks where batch_id = :'batch_a' and input_data ->> 'question' = 'a2' \gset
select tests.task_id(:'batch_b', 'answer') as held_b \gset
select tests.claim(:'held_a') as token_a \gset
select tests.claim(:'held_b') as token_b \gset

select tests.authenticate_as_worker();
select is(
    (select api_key from public.acquire_task_api_keys(array[:'held_a']::uuid[], array[:'token_a']::uuid[], 'gemini')),
    'AIzaSy-key-of-user-a-000001',
    'a task held under its claim gets its owner''s key');
select is_empty(
    format($$ select * from public.acquire_task_api_keys(array[%L]::uuid[], array[gen_random_uuid()], 'gemini') $$, :'held_a'),
    'a wrong claim token gets no key');
select is_empty(
    format($$ select * from public.acquire_task_api_keys(array[%L]::uuid[], array[%L]::uuid[], 'gemini') $$, :'queued_a', :'token_a'),
    'nor does a task that is not held (with another task''s token)');
select results_eq(
    format($$ select slot, api_key from public.acquire_task_api_keys(array[%L, %L, %L]::uuid[], array[%L, %L, %L]::uuid[], 'gemini') order by slot $$,
        :'held_b', :'queued_a', :'held_a', :'token_b', :'token_a', :'token_a'),
    $$ values (0, 'AIzaSy-key-of-user-b-000001'), (2, 'AIzaSy-key-of-user-a-000001') $$,
    'calls of two owners in one round trip get each their owner''s key, in the slots given');
select throws_ok(
    format($$ select * from public.acquire_task_api_keys(array[%L]::uuid[], '{}', 'gemini') $$, :'held_a'),
    'OR010', null, 'a claim token missing for a task raises OR010');
select tests.clear_authentication();

select * from finish();
rollback;
