begin;
select plan(7);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select id as own_id from public.add_api_key('gemini', 'AIzaSy-owner-key-00000001', 'mine', p_owner_id => :'owner_id') \gset
select id as other_key_id from public.add_api_key('gemini', 'AIzaSy-other-key-00000001', 'theirs', p_owner_id => :'other_id') \gset

select tests.authenticate_as(:'owner_id');
select results_eq(
    $$update public.user_api_keys
      set key_name = 'renamed', is_active = false, priority = 3, model_preference = 'gemini-2.5-pro'
      returning key_name, is_active, priority, model_preference$$,
    $$values ('renamed', false, 3, 'gemini-2.5-pro')$$,
    'the owner changes name, activity, priority and model preference of their key'
);
select is_empty(
    $$update public.user_api_keys set key_name = 'hijacked' where id = '$$ || :'other_key_id' || $$' returning id$$,
    'another user''s key is silently not updated'
);
select throws_ok(
    $$update public.user_api_keys set owner_id = '$$ || :'other_id' || $$'$$, '42501', null,
    'the owner cannot give the key away'
);
select throws_ok(
    $$update public.user_api_keys set key_prefix = 'fake…'$$, '42501', null,
    'nor change its prefix'
);
select is_empty(
    $$delete from public.user_api_keys where id = '$$ || :'other_key_id' || $$' returning id$$,
    'another user''s key is silently not deleted'
);
select results_eq(
    $$delete from public.user_api_keys returning id$$,
    $$values ('$$ || :'own_id' || $$'::uuid)$$,
    'the owner deletes their key'
);
select tests.clear_authentication();
select results_eq(
    $$select key_name from public.user_api_keys$$,
    $$values ('theirs')$$,
    'the other user''s key is untouched'
);

select * from finish();
rollback;
