begin;
select plan(1);

select tests.create_user('owner@example.com') as owner_id \gset
select id as first_id from public.add_api_key('gemini', 'AIzaSy-same-key-0123456789', p_owner_id => :'owner_id') \gset
select id as second_id from public.add_api_key('gemini', 'AIzaSy-same-key-0123456789', p_owner_id => :'owner_id') \gset

select isnt(
    (select api_key_encrypted from public.user_api_keys where id = :'first_id'),
    (select api_key_encrypted from public.user_api_keys where id = :'second_id'),
    'two ciphertexts of one key differ (salted), so equal keys cannot be spotted'
);

select * from finish();
rollback;
