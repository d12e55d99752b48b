begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id, key from public.create_access_key('wall screen', '{console}') \gset
select tests.clear_authentication();

select tests.authenticate_as_serve();
select results_eq(
    format('select user_id, email, key_id, key_name from public.sign_in_with_access_key(%L)', :'key'),
    format('values (%L::uuid, %L, %L::uuid, %L)', :'owner_id', 'owner@example.test', :'key_id', 'wall screen'),
    'orchable serve learns whom a console key signs in: its owner, and which key it is');
select tests.clear_authentication();

select isnt((select last_used_at from public.access_keys where id = :'key_id'), null, 'the key is marked used');

-- The console signs in on every request: the mark moves at most once a minute.
update public.access_keys set last_used_at = now() - interval '30 seconds' where id = :'key_id';
select tests.authenticate_as_serve();
select user_id from public.sign_in_with_access_key(:'key');
select tests.clear_authentication();
select is((select last_used_at from public.access_keys where id = :'key_id'), now() - interval '30 seconds',
    'a key used 30 seconds ago is not written again');

update public.access_keys set last_used_at = now() - interval '2 minutes' where id = :'key_id';
select tests.authenticate_as_serve();
select user_id from public.sign_in_with_access_key(:'key');
select tests.clear_authentication();
select is((select last_used_at from public.access_keys where id = :'key_id'), now(),
    'one used two minutes ago is');

select * from finish();
rollback;
