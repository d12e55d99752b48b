begin;
select plan(2);

select tests.create_user('owner@example.com') as owner_id \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(
    $$insert into public.user_api_keys (owner_id, provider, key_name, api_key_encrypted, key_prefix)
      values ('$$ || :'owner_id' || $$', 'gemini', 'raw', '1:AAAA', '…')$$,
    '42501', null,
    'a user cannot insert a key row directly'
);
select tests.authenticate_as_service_role();
select throws_ok(
    $$insert into public.user_api_keys (owner_id, provider, key_name, api_key_encrypted, key_prefix)
      values ('$$ || :'owner_id' || $$', 'gemini', 'raw', '1:AAAA', '…')$$,
    '42501', null,
    'nor can service_role'
);

select * from finish();
rollback;
