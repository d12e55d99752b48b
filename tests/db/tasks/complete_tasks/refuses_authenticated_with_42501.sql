begin;
select plan(4);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select tests.claim(:'task_a') as token_a \gset

select ok(not has_function_privilege('authenticated', 'public.complete_tasks(jsonb)', 'execute')
    and not has_function_privilege('anon', 'public.complete_tasks(jsonb)', 'execute'),
    'neither authenticated nor anon has execute on complete_tasks');
select ok(has_function_privilege('orchable_worker', 'public.complete_tasks(jsonb)', 'execute')
    and has_function_privilege('service_role', 'public.complete_tasks(jsonb)', 'execute'),
    'orchable_worker and service_role have');

select tests.authenticate_as(:'user_a');
select throws_ok(
    format('select * from public.complete_tasks(%L)',
        jsonb_build_array(jsonb_build_object('task_id', :'task_a', 'claim_token', :'token_a', 'output', 1))),
    '42501', null, 'the owner calling complete_tasks on its own task is refused with 42501');
select tests.clear_authentication();

select is(
    (select status || ' ' || claim_token::text from public.ai_tasks where id = :'task_a'),
    'processing ' || :'token_a',
    'the refused call left the task as it was'
);

select * from finish();
rollback;
