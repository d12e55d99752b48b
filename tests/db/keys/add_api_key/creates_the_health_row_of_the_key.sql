begin;
select plan(2);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-health-key-0123456789', p_owner_id => :'owner_id') \gset

select results_eq(
    $$select owner_id::text, consecutive_failures, total_calls, total_failures,
        last_used_at is null, blocked_until is null, block_reason is null
      from public.api_key_health where user_api_key_id = '$$ || :'key_id' || $$'$$,
    $$values ('$$ || :'owner_id' || $$', 0, 0::bigint, 0::bigint, true, true, true)$$,
    'a fresh, unused, unblocked health row of the same owner'
);
delete from public.user_api_keys where id = :'key_id';
select is_empty(
    $$select from public.api_key_health where user_api_key_id = '$$ || :'key_id' || $$'$$,
    'deleting the key deletes its health row'
);

select * from finish();
rollback;
