begin;
select plan(3);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as(:'owner_id');

select throws_ok($$select public.add_api_key(null, 'AIzaSy-0123456789-abcdef')$$, 'OR100', null, 'a null provider');
select throws_ok($$select public.add_api_key(' ', 'AIzaSy-0123456789-abcdef')$$, 'OR100', null, 'a blank provider');
select throws_ok(
    $$select public.add_api_key('gemini; drop', 'AIzaSy-0123456789-abcdef')$$, 'OR100', null,
    'a provider that is not a lower-case name'
);

select * from finish();
rollback;
