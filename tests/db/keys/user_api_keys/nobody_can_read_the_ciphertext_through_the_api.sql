begin;
select plan(6);

select tests.create_user('owner@example.com') as owner_id \gset
select public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', p_owner_id => :'owner_id');

select tests.authenticate_as(:'owner_id');
select throws_ok(
    $$select api_key_encrypted from public.user_api_keys$$, '42501', null,
    'not the owner'
);
select throws_ok(
    $$select * from public.user_api_keys$$, '42501', null,
    'not even through select * (clients list the columns they want)'
);
select tests.authenticate_as_service_role();
select throws_ok(
    $$select * from public.user_api_keys$$, '42501', null,
    'not service_role: a pg_dump-style select * fails'
);
select throws_ok(
    $$select api_key_encrypted from public.user_api_keys$$, '42501', null,
    'not service_role by name'
);
select tests.clear_authentication();
select ok(
    not has_column_privilege('orchable_worker', 'public.user_api_keys', 'api_key_encrypted', 'select'),
    'not the worker, which gets keys only from acquire_api_key'
);
select ok(
    not has_column_privilege('authenticated', 'public.user_api_keys', 'api_key_encrypted', 'update')
    and not has_column_privilege('service_role', 'public.user_api_keys', 'api_key_encrypted', 'update'),
    'nor can anyone overwrite it'
);

select * from finish();
rollback;
