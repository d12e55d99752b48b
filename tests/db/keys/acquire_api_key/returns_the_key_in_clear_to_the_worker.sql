begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key(
    'gemini', 'AIzaSy-worker-key-0123456789', 'main', p_model_preference => 'gemini-2.5-flash',
    p_owner_id => :'owner_id'
) \gset

-- The worker role as deployed (no access to pgTAP): capture, then assert as the test runner.
select tests.authenticate_as_service_role();
select acquired.* from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:00:00+00') as acquired
\gset acquired_
select tests.clear_authentication();

select is(:'acquired_api_key_id'::uuid, :'key_id'::uuid, 'the worker gets the owner''s key');
select is(:'acquired_api_key'::text, 'AIzaSy-worker-key-0123456789', 'in clear');
select is(
    concat_ws(' ', :'acquired_key_name', :'acquired_model_preference'), 'main gemini-2.5-flash',
    'with its name and model preference'
);
select is(
    (select last_used_at from public.api_key_health where user_api_key_id = :'key_id'),
    '2026-01-01 00:00:00+00'::timestamptz,
    'and the key is marked used at p_now'
);

select * from finish();
rollback;
