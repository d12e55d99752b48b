begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select id as top_blocked_id from public.add_api_key('gemini', 'AIzaSy-top-blocked-0000001', p_priority => 9, p_owner_id => :'owner_id') \gset
select id as top_inactive_id from public.add_api_key('gemini', 'AIzaSy-top-inactive-000001', p_priority => 9, p_owner_id => :'owner_id') \gset
select id as high_id from public.add_api_key('gemini', 'AIzaSy-high-0000000000001', p_priority => 5, p_owner_id => :'owner_id') \gset
select id as other_model_id from public.add_api_key('gemini', 'AIzaSy-other-model-000001', p_priority => 5, p_model_preference => 'gemini-2.5-pro', p_owner_id => :'owner_id') \gset
select id as low_id from public.add_api_key('gemini', 'AIzaSy-low-00000000000001', p_priority => 1, p_owner_id => :'owner_id') \gset
select public.add_api_key('openai', 'sk-openai-00000000000001', p_priority => 9, p_owner_id => :'owner_id');
select public.add_api_key('gemini', 'AIzaSy-someone-else-00001', p_priority => 9, p_owner_id => :'other_id');
update public.api_key_health set blocked_until = '2026-01-01 00:05:00+00', block_reason = 'rate_limited'
where user_api_key_id = :'top_blocked_id';
update public.user_api_keys set is_active = false where id = :'top_inactive_id';

select tests.authenticate_as_service_role();
select results_eq(
    $$select distinct api_key_id from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', 'gemini-2.5-flash', 4, '2026-01-01 00:01:00+00')$$,
    format($$values (%L::uuid)$$, :'high_id'),
    'every call gets the best usable key: not blocked, active, meant for the model, highest priority, the owner''s, the provider''s'
);
select results_eq(
    $$select count(*)::integer from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', 'gemini-2.5-flash', 4, '2026-01-01 00:06:00+00')$$,
    $$values (4)$$,
    'once its block is over, the best key is back: still one row per call'
);
select tests.clear_authentication();
update public.user_api_keys set is_active = false where owner_id = :'owner_id' and provider = 'gemini';
select tests.authenticate_as_service_role();
select is_empty(
    $$select * from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => 3)$$,
    'no row when no key is usable'
);
select tests.clear_authentication();

select * from finish();
rollback;
