begin;
select plan(3);

select tests.create_user('owner@example.com') as owner_id \gset

select tests.authenticate_as_service_role();
select throws_ok(
    $$select * from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => 0)$$,
    'OR100', 'cannot hand out keys for 0 calls', 'zero calls'
);
select throws_ok(
    $$select * from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => 1001)$$,
    'OR100', 'cannot hand out keys for 1001 calls', 'more than 1000 calls'
);
select throws_ok(
    $$select * from public.acquire_api_keys('$$ || :'owner_id' || $$', 'gemini', p_count => null)$$,
    'OR100', 'cannot hand out keys for null calls', 'a null count'
);
select tests.clear_authentication();

select * from finish();
rollback;
