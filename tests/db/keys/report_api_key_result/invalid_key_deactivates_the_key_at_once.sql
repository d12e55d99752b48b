begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-revoked-key-000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select results_eq(
    $$select consecutive_failures, block_reason, last_error from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'invalid_key', p_error => '401 API key not valid', p_now => '2026-01-01 00:00:00+00')$$,
    $$values (1, 'invalid_key', '401 API key not valid')$$,
    'the health row says why'
);
select is_empty(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini', p_now => '2026-02-01 00:00:00+00')$$,
    'the key is never handed out again, however long one waits'
);
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'key_id'), false,
    'the key is deactivated'
);

select * from finish();
rollback;
