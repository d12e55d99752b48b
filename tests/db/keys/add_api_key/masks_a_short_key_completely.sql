begin;
select plan(1);

select tests.create_user('owner@example.com') as owner_id \gset

select is(
    (select key_prefix from public.add_api_key('gemini', 'short-key-1234', p_owner_id => :'owner_id')),
    '…',
    'a key shorter than 20 characters shows none of its characters'
);

select * from finish();
rollback;
