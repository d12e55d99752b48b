begin;
select plan(3);

-- pgTAP lives in extensions; let the worker role reach it inside this test (rolled back).
grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as blocked_id from public.add_api_key('gemini', 'AIzaSy-blocked-key-000001', p_priority => 9, p_owner_id => :'owner_id') \gset
select id as free_id from public.add_api_key('gemini', 'AIzaSy-free-key-000000001', p_priority => 1, p_owner_id => :'owner_id') \gset
update public.api_key_health
set blocked_until = '2026-01-01 00:01:00+00', block_reason = 'rate_limited'
where user_api_key_id = :'blocked_id';

select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:00:59+00')),
    :'free_id'::uuid,
    'a key blocked until later is skipped, whatever its priority'
);
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:01:00+00')),
    :'blocked_id'::uuid,
    'it is usable again from blocked_until on'
);
select tests.clear_authentication();
update public.api_key_health set blocked_until = 'infinity', block_reason = 'rate_limited';
select tests.authenticate_as_service_role();
select is_empty(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini', p_now => '2026-01-01 00:02:00+00')$$,
    'when every key is blocked there is no row, and no error'
);

select * from finish();
rollback;
