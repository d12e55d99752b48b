begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select id as blocked_id from public.add_api_key('gemini', 'AIzaSy-blocked-key-000001', p_owner_id => :'owner_id') \gset
select id as free_id from public.add_api_key('gemini', 'AIzaSy-free-key-000000001', p_owner_id => :'owner_id') \gset
update public.api_key_health
set blocked_until = now() + interval '1 minute', block_reason = 'rate_limited'
where user_api_key_id = :'blocked_id';

select is(public.api_key_available_at(:'owner_id', 'gemini'), now(), 'one usable key makes it now()');

update public.api_key_health
set blocked_until = now() - interval '1 second', block_reason = 'rate_limited'
where user_api_key_id = :'free_id';
select is(public.api_key_available_at(:'owner_id', 'gemini'), now(), 'a block that has ended leaves the key usable');

select * from finish();
rollback;
