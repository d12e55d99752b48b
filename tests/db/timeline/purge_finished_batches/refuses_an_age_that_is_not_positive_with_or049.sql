begin;
select plan(4);

select tests.authenticate_as_service_role();
select throws_ok($$select public.purge_finished_batches('0 seconds')$$, 'OR049', null, 'an age of zero is refused');
select throws_ok($$select public.purge_finished_batches('-1 day')$$, 'OR049', null, 'a negative age is refused');
select throws_ok('select public.purge_finished_batches(null)', 'OR049', null, 'a null age is refused');
select throws_ok($$select public.purge_finished_batches('101 years')$$, 'OR049', null, 'over a hundred years is refused');
select tests.clear_authentication();

select * from finish();
rollback;
