begin;
select plan(4);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-flaky-key-00000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_worker();
select public.report_api_key_result(:'key_id', 'server_error', p_error => '500', p_now => '2026-01-01 00:00:00+00')
from generate_series(1, 9);
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'key_id'), true,
    'nine failures in a row leave the key active'
);
select tests.authenticate_as_worker();
select results_eq(
    $$select consecutive_failures, block_reason from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'timeout', p_error => 'deadline exceeded', p_now => '2026-01-01 00:00:00+00')$$,
    $$values (10, 'too_many_failures: deadline exceeded')$$,
    'the tenth deactivates it, naming the last error'
);
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'key_id'), false,
    'the key is deactivated'
);
select tests.authenticate_as_worker();
select is(
    (select block_reason from public.report_api_key_result(:'key_id', 'success', p_now => '2026-01-01 00:00:01+00')),
    'too_many_failures: deadline exceeded',
    'a late success of a call already in flight does not erase why the key was deactivated'
);

select * from finish();
rollback;
