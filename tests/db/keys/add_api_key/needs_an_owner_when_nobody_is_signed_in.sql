begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as_service_role();

select throws_ok(
    $$select public.add_api_key('gemini', 'AIzaSy-0123456789-abcdef')$$, 'OR103', null,
    'service_role must name the owner'
);
select throws_ok(
    $$select public.add_api_key('gemini', 'AIzaSy-0123456789-abcdef', p_owner_id => gen_random_uuid())$$,
    'OR103', null,
    'an owner that is not a user is refused'
);
select is(
    (select owner_id from public.add_api_key('gemini', 'AIzaSy-0123456789-abcdef', p_owner_id => :'owner_id')),
    :'owner_id'::uuid,
    'service_role adds a key for the owner it names'
);
select is(
    (select count(*)::integer from public.api_key_health where owner_id = :'owner_id'),
    1,
    'with its health row'
);

select * from finish();
rollback;
