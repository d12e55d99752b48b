begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id, key from public.create_access_key('wall screen', '{console}') \gset
select key as webhook_key from public.create_access_key('crm') \gset
select tests.clear_authentication();

select tests.authenticate_as_serve();
select throws_ok(format('select * from public.sign_in_with_access_key(%L)', :'key' || 'x'), 'OR035',
    'the access key is not valid', 'a wrong key raises OR035');
select throws_ok($$ select * from public.sign_in_with_access_key('orch_nothing') $$, 'OR035',
    'the access key is not valid', 'an unknown key raises the same');
select throws_ok(format('select * from public.sign_in_with_access_key(%L)', :'webhook_key'), 'OR035',
    'the access key is not valid', 'so does a key that may only launch a webhook trigger');
select tests.clear_authentication();

select tests.authenticate_as(:'owner_id');
select public.revoke_access_key(:'key_id');
select tests.clear_authentication();
select tests.authenticate_as_serve();
select throws_ok(format('select * from public.sign_in_with_access_key(%L)', :'key'), 'OR035',
    'the access key is not valid', 'and a revoked one');
select tests.clear_authentication();

select * from finish();
rollback;
