begin;
select plan(6);

select tests.authenticate_as_service_role();
select throws_ok('select public.cleanup_old_events(0)', 'OR048', null, 'no events kept at all is refused');
select throws_ok('select public.cleanup_old_events(-5)', 'OR048', null, 'a negative retention is refused');
select throws_ok('select public.cleanup_old_events(null)', 'OR048', null, 'a null retention is refused');
select throws_ok('select public.cleanup_old_events(36501)', 'OR048', null, 'over a hundred years is refused');
select throws_ok('select public.cleanup_old_llm_calls(0)', 'OR048', null, 'cleanup_old_llm_calls refuses 0 days');
select throws_ok('select public.cleanup_old_llm_calls(null)', 'OR048', null, 'and null');
select tests.clear_authentication();

select * from finish();
rollback;
