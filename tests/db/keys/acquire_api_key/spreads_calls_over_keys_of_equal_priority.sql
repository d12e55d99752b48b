begin;
select plan(4);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as a_id from public.add_api_key('gemini', 'AIzaSy-key-a-000000000001', p_owner_id => :'owner_id') \gset
select id as b_id from public.add_api_key('gemini', 'AIzaSy-key-b-000000000001', p_owner_id => :'owner_id') \gset
update public.api_key_health set last_used_at = '2026-01-01 00:00:00+00' where user_api_key_id = :'a_id';

select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:01:00+00')),
    :'b_id'::uuid,
    'a never-used key goes before a used one'
);
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:01:01+00')),
    :'a_id'::uuid,
    'then the least recently used'
);
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', p_now => '2026-01-01 00:01:02+00')),
    :'b_id'::uuid,
    'and so on, in turn'
);
select tests.clear_authentication();
select results_eq(
    $$select last_used_at from public.api_key_health order by last_used_at$$,
    $$values ('2026-01-01 00:01:01+00'::timestamptz), ('2026-01-01 00:01:02+00')$$,
    'each acquire sets last_used_at to p_now'
);

select * from finish();
rollback;
