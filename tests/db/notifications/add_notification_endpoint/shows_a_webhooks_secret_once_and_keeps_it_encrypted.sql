begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select * from public.add_notification_endpoint('webhook', 'crm', p_url => 'https://crm.example.test/hooks') \gset e_
select throws_ok('select secret_encrypted from public.notification_endpoints', '42501', null,
    'the owner cannot read the stored secret');
select throws_ok($$ select public.add_notification_endpoint('webhook', 'x', p_url => 'ftp://nope') $$,
    'OR003', null, 'a webhook URL that is not http(s) is refused with OR003');
select tests.clear_authentication();

select ok(:'e_secret' ~ '^whsec_[A-Za-z0-9+/]+={0,2}$'
    and length(decode(substr(:'e_secret', 7), 'base64')) = 32, 'the secret is whsec_ and 32 random bytes');
select is((select secret_prefix from public.notification_endpoints where id = :'e_id'), left(:'e_secret', 12),
    'its first 12 characters are kept to tell secrets apart');
select is((select orchable._decrypt_api_key(secret_encrypted) from public.notification_endpoints where id = :'e_id'),
    :'e_secret', 'and it is stored encrypted, as API keys are');

select * from finish();
rollback;
