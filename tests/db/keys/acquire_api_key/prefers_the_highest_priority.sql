begin;
select plan(1);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select public.add_api_key('gemini', 'AIzaSy-low-key-0000000001', p_priority => 1, p_owner_id => :'owner_id');
select id as high_id from public.add_api_key('gemini', 'AIzaSy-high-key-000000001', p_priority => 10, p_owner_id => :'owner_id') \gset
select public.add_api_key('gemini', 'AIzaSy-mid-key-0000000001', p_priority => 5, p_owner_id => :'owner_id');
-- The high-priority key was used most recently: priority still wins.
update public.api_key_health set last_used_at = '2026-01-01 00:00:00+00' where user_api_key_id = :'high_id';

select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:00:01+00')),
    :'high_id'::uuid,
    'the key with the highest priority goes first, even if it was just used'
);

select * from finish();
rollback;
