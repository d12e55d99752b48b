begin;
select plan(8);

-- service_role may call claim_tasks too, and can run pgTAP's functions.
select tests.authenticate_as_service_role();
select throws_ok('select * from public.claim_tasks(null, 1)', 'OR010', null, 'a null worker id is refused');
select throws_ok('select * from public.claim_tasks(''  '', 1)', 'OR010', null, 'a blank worker id is refused');
select throws_ok('select * from public.claim_tasks(''w1'', 0)', 'OR010', null, 'a limit of 0 is refused');
select throws_ok('select * from public.claim_tasks(''w1'', 1001)', 'OR010', null, 'a limit over 1000 is refused');
select throws_ok('select * from public.claim_tasks(''w1'', null)', 'OR010', null, 'a null limit is refused');
select throws_ok('select * from public.claim_tasks(''w1'', 1, 0)', 'OR010', null, 'a lease of 0 s is refused');
select throws_ok('select * from public.claim_tasks(''w1'', 1, 86401)', 'OR010', null, 'a lease over a day is refused');
select throws_ok('select * from public.claim_tasks(''w1'', 1, null)', 'OR010', null, 'a null lease is refused');

select * from finish();
rollback;
