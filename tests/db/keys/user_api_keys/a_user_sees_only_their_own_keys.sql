begin;
select plan(3);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select id as own_id from public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', 'mine', p_owner_id => :'owner_id') \gset
select public.add_api_key('gemini', 'AIzaSy-other-key-00000001', 'theirs', p_owner_id => :'other_id');

select tests.authenticate_as(:'owner_id');
select results_eq(
    $$select id, key_name, key_prefix from public.user_api_keys$$,
    $$values ('$$ || :'own_id' || $$'::uuid, 'mine', 'AIza…0001')$$,
    'the owner sees their key, with its masked prefix, and not the other user''s'
);
select tests.authenticate_as(:'other_id');
select results_eq(
    $$select key_name from public.user_api_keys$$,
    $$values ('theirs')$$,
    'the other user sees only theirs'
);
select is_empty(
    $$select from public.user_api_keys where id = '$$ || :'own_id' || $$'$$,
    'asking for another user''s key by id finds nothing'
);

select * from finish();
rollback;
