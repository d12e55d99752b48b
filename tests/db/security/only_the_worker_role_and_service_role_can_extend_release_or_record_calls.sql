begin;
select plan(13);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select tests.claim(:'task_a') as token_a \gset

create temporary table worker_rpcs (signature text);
insert into worker_rpcs values
    ('public.extend_lease(uuid, uuid, integer)'),
    ('public.release_task(uuid, uuid, integer, text)'),
    ('public.api_key_available_at(uuid, text)'),
    ('public.record_llm_call(uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text)');

select is_empty($$ select signature from worker_rpcs where has_function_privilege('authenticated', signature, 'execute') $$,
    'authenticated has no execute on extend_lease, release_task, api_key_available_at, record_llm_call');
select is_empty($$ select signature from worker_rpcs where has_function_privilege('anon', signature, 'execute') $$,
    'anon has none either');
select is_empty($$ select signature from worker_rpcs where not has_function_privilege('orchable_worker', signature, 'execute') $$,
    'orchable_worker can execute all four');
select is_empty($$ select signature from worker_rpcs where not has_function_privilege('service_role', signature, 'execute') $$,
    'service_role can execute all four');

grant select on worker_rpcs to authenticated, anon;
select tests.authenticate_as(:'user_a');
select throws_ok(format('select public.extend_lease(%L, %L, 600)', :'task_a', :'token_a'),
    '42501', null, 'the owner calling extend_lease is refused with 42501');
select throws_ok(format('select public.release_task(%L, %L)', :'task_a', :'token_a'),
    '42501', null, 'the owner calling release_task is refused with 42501');
select throws_ok(format('select public.api_key_available_at(%L, %L)', :'user_a', 'gemini'),
    '42501', null, 'the owner calling api_key_available_at is refused with 42501');
select throws_ok(format('select public.record_llm_call(%L, %L, %L, %L)', :'task_a', 'gemini', 'm', 'success'),
    '42501', null, 'the owner calling record_llm_call is refused with 42501');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format('select public.extend_lease(%L, %L, 600)', :'task_a', :'token_a'),
    '42501', null, 'anon calling extend_lease is refused with 42501');
select throws_ok(format('select public.release_task(%L, %L)', :'task_a', :'token_a'),
    '42501', null, 'anon calling release_task is refused with 42501');
select throws_ok(format('select public.record_llm_call(%L, %L, %L, %L)', :'task_a', 'gemini', 'm', 'success'),
    '42501', null, 'anon calling record_llm_call is refused with 42501');
select tests.clear_authentication();

select is(
    (select status || ' ' || claim_token::text from public.ai_tasks where id = :'task_a'),
    'processing ' || :'token_a',
    'the refused calls left the task as it was'
);
select is((select count(*)::integer from public.llm_calls), 0, 'and recorded no call');

select * from finish();
rollback;
