begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select throws_ok('select public.tick()', '42501', null, 'a signed-in user cannot tick');
select tests.authenticate_as_anon();
select throws_ok('select public.tick()', '42501', null, 'anon cannot tick');
select tests.authenticate_as_worker();
select lives_ok('select public.tick()', 'the worker role can');
select tests.clear_authentication();

select * from finish();
rollback;
