begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select key from public.create_access_key('wall screen', '{console}') \gset
select throws_ok(format('select * from public.sign_in_with_access_key(%L)', :'key'), '42501', null,
    'a user cannot turn a key into whom it signs in');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format('select * from public.sign_in_with_access_key(%L)', :'key'), '42501', null,
    'nor can anon, through PostgREST');
select tests.clear_authentication();

select * from finish();
rollback;
