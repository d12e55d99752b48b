begin;
select plan(1);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as_anon();

select throws_ok(
    $$select public.add_api_key('gemini', 'AIzaSy-0123456789-abcdef', p_owner_id => '$$ || :'owner_id' || $$')$$,
    '42501', null,
    'anon may not execute add_api_key'
);

select * from finish();
rollback;
