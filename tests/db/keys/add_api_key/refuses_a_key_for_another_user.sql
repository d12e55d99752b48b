begin;
select plan(2);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('intruder@example.com') as intruder_id \gset
select tests.authenticate_as(:'intruder_id');

select throws_ok(
    $$select public.add_api_key('gemini', 'AIzaSy-0123456789-abcdef', p_owner_id => '$$ || :'owner_id' || $$')$$,
    'OR104', null,
    'a signed-in user cannot add a key to another user'
);
select tests.clear_authentication();
select is_empty(
    $$select from public.user_api_keys where owner_id = '$$ || :'owner_id' || $$'$$,
    'and the other user has no key'
);

select * from finish();
rollback;
