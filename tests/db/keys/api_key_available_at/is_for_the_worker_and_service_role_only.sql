begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select public.add_api_key('gemini', 'AIzaSy-worker-key-0123456789', p_owner_id => :'owner_id');

select ok(has_function_privilege('orchable_worker', 'public.api_key_available_at(uuid, text)', 'execute'),
    'orchable_worker may call it');
select ok(has_function_privilege('service_role', 'public.api_key_available_at(uuid, text)', 'execute'),
    'service_role may call it');
select ok(not has_function_privilege('public', 'public.api_key_available_at(uuid, text)', 'execute'),
    'public has no execute');

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.api_key_available_at(%L, %L)', :'owner_id', 'gemini'),
    '42501', null, 'authenticated cannot call it');
select tests.authenticate_as_anon();
select throws_ok(format('select public.api_key_available_at(%L, %L)', :'owner_id', 'gemini'),
    '42501', null, 'anon cannot call it');
select tests.clear_authentication();

select * from finish();
rollback;
