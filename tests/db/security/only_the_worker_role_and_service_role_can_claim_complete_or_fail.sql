begin;
select plan(17);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select tests.claim(:'task_a') as token_a \gset

-- The grants, function by function.
select ok(not has_function_privilege('authenticated', 'public.claim_tasks(text, integer, integer)', 'execute'),
    'authenticated has no execute on claim_tasks');
select ok(not has_function_privilege('authenticated', 'public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)', 'execute'),
    'authenticated has no execute on complete_task');
select ok(not has_function_privilege('authenticated', 'public.fail_task(uuid, uuid, text, boolean)', 'execute'),
    'authenticated has no execute on fail_task');
select ok(not has_function_privilege('anon', 'public.claim_tasks(text, integer, integer)', 'execute'),
    'anon has no execute on claim_tasks');
select ok(not has_function_privilege('anon', 'public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)', 'execute'),
    'anon has no execute on complete_task');
select ok(not has_function_privilege('anon', 'public.fail_task(uuid, uuid, text, boolean)', 'execute'),
    'anon has no execute on fail_task');
select ok(has_function_privilege('orchable_worker', 'public.claim_tasks(text, integer, integer)', 'execute')
    and has_function_privilege('orchable_worker', 'public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)', 'execute')
    and has_function_privilege('orchable_worker', 'public.fail_task(uuid, uuid, text, boolean)', 'execute'),
    'orchable_worker can execute claim_tasks, complete_task and fail_task');
select ok(has_function_privilege('service_role', 'public.claim_tasks(text, integer, integer)', 'execute')
    and has_function_privilege('service_role', 'public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)', 'execute')
    and has_function_privilege('service_role', 'public.fail_task(uuid, uuid, text, boolean)', 'execute'),
    'service_role can execute claim_tasks, complete_task and fail_task');

-- The owner of the task, through PostgREST, cannot act as a worker on it.
select tests.authenticate_as(:'user_a');
select throws_ok(
    $$ select * from public.claim_tasks(p_worker_id := 'rogue', p_limit := 10) $$,
    '42501', null, 'authenticated calling claim_tasks is refused with 42501');
select throws_ok(
    format($$ select public.complete_task(p_task_id := %L, p_claim_token := %L, p_output := '{"answer": 1}') $$,
        :'task_a', :'token_a'),
    '42501', null, 'authenticated calling complete_task on its own task is refused with 42501');
select throws_ok(
    format($$ select public.fail_task(p_task_id := %L, p_claim_token := %L, p_error := 'no') $$,
        :'task_a', :'token_a'),
    '42501', null, 'authenticated calling fail_task on its own task is refused with 42501');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(
    $$ select * from public.claim_tasks(p_worker_id := 'rogue') $$,
    '42501', null, 'anon calling claim_tasks is refused with 42501');
select throws_ok(
    format($$ select public.complete_task(p_task_id := %L, p_claim_token := %L, p_output := '{"answer": 1}') $$,
        :'task_a', :'token_a'),
    '42501', null, 'anon calling complete_task is refused with 42501');
select throws_ok(
    format($$ select public.fail_task(p_task_id := %L, p_claim_token := %L, p_error := 'no') $$,
        :'task_a', :'token_a'),
    '42501', null, 'anon calling fail_task is refused with 42501');
select tests.clear_authentication();

select is(
    (select status || ' ' || claim_token::text from public.ai_tasks where id = :'task_a'),
    'processing ' || :'token_a',
    'the refused calls left the task as it was'
);

-- The worker role can (it has no pgTAP: the answer is checked after).
select tests.authenticate_as_worker();
select public.complete_task(p_task_id := :'task_a', p_claim_token := :'token_a', p_output := '{"answer": 42}')
    as worker_answer \gset
select tests.clear_authentication();
select is(:'worker_answer'::text, 'completed', 'orchable_worker completes the task');
select tests.authenticate_as_service_role();
select is(
    (select count(*)::integer from public.claim_tasks(p_worker_id := 'service', p_limit := 10)),
    0,
    'service_role may call claim_tasks (nothing is left to claim)'
);
select tests.clear_authentication();

select * from finish();
rollback;
