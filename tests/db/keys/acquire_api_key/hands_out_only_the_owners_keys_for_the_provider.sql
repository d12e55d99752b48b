begin;
select plan(2);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select tests.create_user('other@example.com') as other_id \gset
select public.add_api_key('openai', 'sk-proj-owner-openai-key-0001', p_owner_id => :'owner_id');
select public.add_api_key('gemini', 'AIzaSy-other-users-key-01', p_owner_id => :'other_id');

select tests.authenticate_as_service_role();
select is_empty(
    $$select * from public.acquire_api_key('$$ || :'owner_id' || $$', 'gemini')$$,
    'another provider''s key, or another user''s key, is never handed out'
);
select is(
    (select api_key from public.acquire_api_key(:'owner_id', 'openai')), 'sk-proj-owner-openai-key-0001',
    'the owner''s key for that provider is'
);

select * from finish();
rollback;
