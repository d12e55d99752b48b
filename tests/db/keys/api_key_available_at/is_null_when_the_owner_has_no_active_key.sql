begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select is(public.api_key_available_at(:'owner_id', 'gemini'), null, 'no key at all: null');

select id as key_id from public.add_api_key('gemini', 'AIzaSy-inactive-key-00001', p_owner_id => :'owner_id') \gset
update public.user_api_keys set is_active = false where id = :'key_id';
select is(public.api_key_available_at(:'owner_id', 'gemini'), null, 'only an inactive key: null');

select public.add_api_key('openai', 'sk-proj-openai-key-000000001', p_owner_id => :'owner_id');
select is(public.api_key_available_at(:'owner_id', 'gemini'), null, 'a key of another provider: null');

select * from finish();
rollback;
