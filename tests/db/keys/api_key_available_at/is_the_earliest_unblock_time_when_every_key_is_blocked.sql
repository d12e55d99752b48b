begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select id as key_a from public.add_api_key('gemini', 'AIzaSy-first-key-00000001', p_owner_id => :'owner_id') \gset
select id as key_b from public.add_api_key('gemini', 'AIzaSy-second-key-0000001', p_owner_id => :'owner_id') \gset
select id as key_c from public.add_api_key('gemini', 'AIzaSy-third-key-00000001', p_owner_id => :'owner_id') \gset
update public.api_key_health set blocked_until = now() + interval '10 minutes', block_reason = 'rate_limited'
where user_api_key_id = :'key_a';
update public.api_key_health set blocked_until = now() + interval '2 minutes', block_reason = 'rate_limited'
where user_api_key_id = :'key_b';
-- An inactive key does not count, however soon its block ends.
update public.api_key_health set blocked_until = now() + interval '1 minute', block_reason = 'invalid_key'
where user_api_key_id = :'key_c';
update public.user_api_keys set is_active = false where id = :'key_c';

select is(public.api_key_available_at(:'owner_id', 'gemini'), now() + interval '2 minutes',
    'it is the earliest blocked_until among the active keys');

select tests.create_user('other@example.test') as other_id \gset
select public.add_api_key('gemini', 'AIzaSy-other-key-00000001', p_owner_id => :'other_id');
select is(public.api_key_available_at(:'owner_id', 'gemini'), now() + interval '2 minutes',
    'another user''s usable key changes nothing');

select * from finish();
rollback;
