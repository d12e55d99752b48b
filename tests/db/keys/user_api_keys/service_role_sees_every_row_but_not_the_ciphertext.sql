begin;
select plan(3);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', p_owner_id => :'owner_id');
select public.add_api_key('gemini', 'AIzaSy-other-key-00000001', p_owner_id => :'other_id');

select tests.authenticate_as_service_role();
select is(
    (select count(*)::integer from public.user_api_keys), 2,
    'service_role reads every user''s keys'
);
select is(
    (select count(*)::integer from public.api_key_health), 2,
    'and every health row'
);
select is(
    (select count(*)::integer from public.user_api_keys where key_prefix = 'AIza…0001'), 2,
    'the masked columns, listed by name, are readable'
);

select * from finish();
rollback;
