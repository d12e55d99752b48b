begin;
select plan(5);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id from public.add_api_key('gemini', 'AIzaSy-secret-key-0123456789') \gset
select tests.clear_authentication();

select isnt(
    (select api_key_encrypted from public.user_api_keys where id = :'key_id'), null,
    'the row holds a ciphertext'
);
select ok(
    (select strpos(api_key_encrypted, 'secret-key') = 0 and strpos(api_key_encrypted, 'AIzaSy') = 0
        from public.user_api_keys where id = :'key_id'),
    'the ciphertext does not contain the key, nor any part of it'
);
select matches(
    (select api_key_encrypted from public.user_api_keys where id = :'key_id'),
    '^[0-9]+:[A-Za-z0-9+/]+={0,2}$',
    'the ciphertext names its key-encryption key and is base64'
);
select is(
    (select orchable._decrypt_api_key(api_key_encrypted) from public.user_api_keys where id = :'key_id'),
    'AIzaSy-secret-key-0123456789',
    'it decrypts back to the key'
);
select throws_ok(
    $$insert into public.user_api_keys (owner_id, provider, key_name, api_key_encrypted, key_prefix)
      values ('$$ || :'owner_id' || $$', 'gemini', 'raw', 'AIzaSy-secret-key-0123456789', '…')$$,
    '23514', null,
    'a plain key cannot be stored in api_key_encrypted, even by the table owner'
);

select * from finish();
rollback;
