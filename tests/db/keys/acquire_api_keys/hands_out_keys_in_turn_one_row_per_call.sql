begin;
select plan(4);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as a_id from public.add_api_key('gemini', 'AIzaSy-key-a-000000000001', p_owner_id => :'owner_id') \gset
select id as b_id from public.add_api_key('gemini', 'AIzaSy-key-b-000000000001', p_owner_id => :'owner_id') \gset
select id as c_id from public.add_api_key('gemini', 'AIzaSy-key-c-000000000001', p_owner_id => :'owner_id') \gset
update public.api_key_health set last_used_at = '2026-01-01 00:00:00+00' where user_api_key_id = :'a_id';
update public.api_key_health set last_used_at = '2026-01-01 00:00:30+00' where user_api_key_id = :'c_id';

select tests.authenticate_as_service_role();
select results_eq(
    $$select slot, api_key_id, api_key
      from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => 7, p_now => '2026-01-01 00:01:00+00')$$,
    format(
        $$values (0, %1$L::uuid, 'AIzaSy-key-b-000000000001'), (1, %2$L::uuid, 'AIzaSy-key-a-000000000001'),
                 (2, %3$L::uuid, 'AIzaSy-key-c-000000000001'), (3, %1$L::uuid, 'AIzaSy-key-b-000000000001'),
                 (4, %2$L::uuid, 'AIzaSy-key-a-000000000001'), (5, %3$L::uuid, 'AIzaSy-key-c-000000000001'),
                 (6, %1$L::uuid, 'AIzaSy-key-b-000000000001')$$,
        :'b_id', :'a_id', :'c_id'
    ),
    'seven calls get the keys in clear, in turn, the never-used first, then the least recently used'
);
select results_eq(
    $$select api_key_id from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => 2, p_now => '2026-01-01 00:01:00+00')$$,
    format($$values (%L::uuid), (%L::uuid)$$, :'a_id', :'c_id'),
    'the next call goes on where the last one stopped'
);
select results_eq(
    $$select api_key_id from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini', p_now => '2026-01-01 00:01:00+00')$$,
    format($$values (%L::uuid)$$, :'b_id'),
    'and so does acquire_api_key'
);
select is(current_setting('synchronous_commit'), 'off', 'its commit does not wait for the disk (a rotation hint)');
select tests.clear_authentication();

select * from finish();
rollback;
