begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as pro_id from public.add_api_key(
    'gemini', 'AIzaSy-pro-key-0000000001', p_priority => 9, p_model_preference => 'gemini-2.5-pro',
    p_owner_id => :'owner_id'
) \gset
select id as flash_id from public.add_api_key(
    'gemini', 'AIzaSy-flash-key-00000001', p_priority => 1, p_model_preference => 'gemini-2.5-flash',
    p_owner_id => :'owner_id'
) \gset

select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', 'gemini-2.5-flash')), :'flash_id'::uuid,
    'a key meant for the model goes before a key of higher priority meant for another'
);
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini')), :'pro_id'::uuid,
    'without a model, priority alone decides'
);
select tests.clear_authentication();
update public.user_api_keys set is_active = false where id = :'flash_id';
select tests.authenticate_as_service_role();
select is(
    (select api_key_id from public.acquire_api_key(:'owner_id', 'gemini', 'gemini-2.5-flash')), :'pro_id'::uuid,
    'a key meant for another model is still used when nothing better is left'
);

select * from finish();
rollback;
