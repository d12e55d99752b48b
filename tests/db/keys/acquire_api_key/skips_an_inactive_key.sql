begin;
select plan(2);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as inactive_id from public.add_api_key('gemini', 'AIzaSy-inactive-key-00001', p_priority => 9, p_owner_id => :'owner_id') \gset
select id as active_id from public.add_api_key('gemini', 'AIzaSy-active-key-0000001', p_owner_id => :'owner_id') \gset
update public.user_api_keys set is_active = false where id = :'inactive_id';

select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini')), :'active_id'::uuid,
    'an inactive key is never handed out'
);
select tests.clear_authentication();
update public.user_api_keys set is_active = false;
select tests.authenticate_as_service_role();
select is_empty(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini')$$,
    'no active key: no row'
);

select * from finish();
rollback;
