begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select * from public.create_access_key('ci system') \gset k_
select is((select count(*)::integer from public.access_keys where owner_id = :'owner_id'), 1, 'the owner sees their key');
select throws_ok('select key_hash from public.access_keys', '42501', null, 'but not its hash');
select tests.clear_authentication();

select ok(:'k_key' ~ '^orch_[A-Za-z0-9_-]{43}$', 'the key is orch_ and 256 random bits, URL-safe');
select is(
    (select row(key_prefix, key_hash)::text from public.access_keys where id = :'k_id'),
    row(left(:'k_key', 12), extensions.digest(:'k_key', 'sha256'))::text,
    'only its first 12 characters and its SHA-256 are kept');
select is(
    (select count(*)::integer from public.access_keys as k
     where position(convert_to(:'k_key', 'UTF8') in k.key_hash) > 0 or k::text like '%' || :'k_key' || '%'),
    0, 'the key itself is stored nowhere in the row');

select * from finish();
rollback;
