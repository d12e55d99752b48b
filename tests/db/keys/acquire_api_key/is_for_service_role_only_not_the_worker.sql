begin;
select plan(6);

select tests.create_user('owner@example.com') as owner_id \gset
select public.add_api_key('gemini', 'AIzaSy-worker-key-0123456789', p_owner_id => :'owner_id');

-- A worker credential alone must not read any owner's key: workers take keys with
-- acquire_task_api_keys, for tasks they hold.
select ok(
    not has_function_privilege('orchable_worker', 'public.acquire_api_key(uuid, text, text, timestamptz)', 'execute')
    and not has_function_privilege('orchable_worker', 'orchable_rpc.acquire_api_key(uuid, text, text, timestamptz)', 'execute'),
    'orchable_worker may not call it'
);
select ok(
    has_function_privilege('service_role', 'public.acquire_api_key(uuid, text, text, timestamptz)', 'execute'),
    'service_role may call it'
);

select tests.authenticate_as(:'owner_id');
select throws_ok(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini')$$, '42501', null,
    'the owner cannot get their own key back in clear'
);
select tests.authenticate_as_anon();
select throws_ok(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini')$$, '42501', null,
    'anon cannot call it'
);
select tests.authenticate_as_service_role();
select is(
    (select api_key from public.acquire_api_key(:'owner_id', 'gemini')), 'AIzaSy-worker-key-0123456789',
    'service_role gets the key'
);
select tests.clear_authentication();
select ok(
    not has_function_privilege('public', 'public.acquire_api_key(uuid, text, text, timestamptz)', 'execute'),
    'public has no execute'
);

select * from finish();
rollback;
