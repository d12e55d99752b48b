begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', p_owner_id => :'owner_id');

select tests.authenticate_as_anon();
select throws_ok($$select id from public.user_api_keys$$, '42501', null, 'anon cannot read keys');
select throws_ok($$select user_api_key_id from public.api_key_health$$, '42501', null, 'anon cannot read health');
select throws_ok(
    $$delete from public.user_api_keys$$, '42501', null, 'anon cannot delete keys'
);
select throws_ok(
    $$update public.user_api_keys set is_active = false$$, '42501', null, 'anon cannot change keys'
);

select * from finish();
rollback;
