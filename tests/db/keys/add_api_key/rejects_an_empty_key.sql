begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as(:'owner_id');

select throws_ok($$select public.add_api_key('gemini', null)$$, 'OR100', null, 'a null key');
select throws_ok($$select public.add_api_key('gemini', '')$$, 'OR100', null, 'an empty key');
select throws_ok($$select public.add_api_key('gemini', e'  \n ')$$, 'OR100', null, 'a blank key');
select throws_ok(
    $$select public.add_api_key('gemini', 'AIzaSy first-half AIzaSy-second-half')$$, 'OR100', null,
    'a key with white space inside (a paste error)'
);

select * from finish();
rollback;
