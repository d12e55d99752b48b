begin;
select plan(3);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select id as own_id from public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', p_owner_id => :'owner_id') \gset
select id as other_key_id from public.add_api_key('gemini', 'AIzaSy-other-key-00000001', p_owner_id => :'other_id') \gset

select tests.authenticate_as(:'owner_id');
select results_eq(
    $$select user_api_key_id from public.api_key_health$$,
    $$values ('$$ || :'own_id' || $$'::uuid)$$,
    'the owner sees the health of their key only'
);
select throws_ok(
    $$update public.api_key_health set blocked_until = null, consecutive_failures = 0$$, '42501', null,
    'the owner cannot write health (only the worker''s RPCs do)'
);
select tests.authenticate_as(:'other_id');
select results_eq(
    $$select user_api_key_id from public.api_key_health$$,
    $$values ('$$ || :'other_key_id' || $$'::uuid)$$,
    'the other user sees theirs only'
);

select * from finish();
rollback;
