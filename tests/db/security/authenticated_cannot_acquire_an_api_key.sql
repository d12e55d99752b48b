begin;
select plan(5);

-- acquire_api_key may not be in this build yet: then the checks are skipped.
select to_regprocedure('public.acquire_api_key(uuid,text,text,timestamptz)') is not null as has_acquire_api_key \gset

\if :has_acquire_api_key
select tests.create_user('a@example.test') as user_a \gset

select ok(not has_function_privilege('authenticated', 'public.acquire_api_key(uuid, text, text, timestamptz)', 'execute'),
    'authenticated has no execute on acquire_api_key');
select ok(not has_function_privilege('anon', 'public.acquire_api_key(uuid, text, text, timestamptz)', 'execute'),
    'anon has no execute on acquire_api_key');
select ok(has_function_privilege('orchable_worker', 'public.acquire_task_api_keys(uuid[], uuid[], text, text)', 'execute'),
    'orchable_worker can execute acquire_task_api_keys');

select tests.authenticate_as(:'user_a');
select throws_ok(
    format($$ select * from public.acquire_api_key(p_owner_id := %L, p_provider := 'gemini') $$, :'user_a'),
    '42501', null, 'a user asking for their own key in clear is refused with 42501');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(
    format($$ select * from public.acquire_api_key(p_owner_id := %L, p_provider := 'gemini') $$, :'user_a'),
    '42501', null, 'anon calling acquire_api_key is refused with 42501');
select tests.clear_authentication();
\else
select skip('public.acquire_api_key(uuid, text, text, timestamptz) is not in this build', 5);
\endif

select * from finish();
rollback;
