begin;
select plan(8);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-flaky-key-00000001', p_owner_id => :'owner_id') \gset
select id as quota_key_id from public.add_api_key('gemini', 'AIzaSy-quota-key-00000002', p_owner_id => :'owner_id') \gset

-- A burst: the calls in flight on a key when the provider stumbles all fail at once.
select tests.authenticate_as_service_role();
select public.report_api_key_result(:'key_id', 'server_error', p_error => '500', p_now => '2026-01-01 00:00:00+00')
from generate_series(1, 30);
select tests.clear_authentication();
select results_eq(
    $$select k.is_active, h.consecutive_failures, h.failing_since
      from public.user_api_keys as k inner join public.api_key_health as h on h.user_api_key_id = k.id
      where k.id = '$$ || :'key_id' || $$'$$,
    $$values (true, 1, '2026-01-01 00:00:00+00'::timestamptz)$$,
    'thirty failures in a burst leave the key active, and the streak remembers when it began'
);

-- Eight quick rate limits, each after the last block ran out, then a timeout: ten in a row.
select tests.authenticate_as_service_role();
select public.report_api_key_result(:'key_id', 'rate_limited', p_retry_after_seconds => 1, p_now => t)
from generate_series('2026-01-01 00:00:10+00'::timestamptz, '2026-01-01 00:01:20+00', interval '10 seconds') as t;
select results_eq(
    $$select consecutive_failures from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'timeout', p_error => 'late', p_now => '2026-01-01 00:09:59+00')$$,
    $$values (10)$$,
    'ten failures in a row'
);
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'key_id'), true,
    'a streak just short of ten minutes leaves it active'
);

select tests.authenticate_as_service_role();
select results_eq(
    $$select consecutive_failures, block_reason from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'timeout', p_error => 'deadline exceeded', p_now => '2026-01-01 00:15:00+00')$$,
    $$values (11, 'too_many_failures: deadline exceeded')$$,
    'the next failure, more than ten minutes into the streak, deactivates it, naming the last error'
);
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'key_id'), false,
    'the key is deactivated'
);
select tests.authenticate_as_service_role();
select is(
    (select block_reason from public.report_api_key_result(:'key_id', 'success', p_now => '2026-01-01 00:15:01+00')),
    'too_many_failures: deadline exceeded',
    'a late success of a call already in flight does not erase why the key was deactivated'
);

-- Rate limits: a quota comes back, so a key is never switched off for them.
select public.report_api_key_result(:'quota_key_id', 'rate_limited', p_retry_after_seconds => 60, p_now => t)
from generate_series('2026-01-01 00:00:00+00'::timestamptz, '2026-01-01 02:00:00+00', interval '1 minute') as t;
select tests.clear_authentication();
select is(
    (select is_active from public.user_api_keys where id = :'quota_key_id'), true,
    'two hours of rate limits leave a key active'
);

-- A success ends the streak.
select tests.authenticate_as_service_role();
select public.report_api_key_result(:'quota_key_id', 'success', p_now => '2026-01-01 02:00:30+00');
select tests.clear_authentication();
select is(
    (select failing_since from public.api_key_health where user_api_key_id = :'quota_key_id'), null,
    'a success ends the streak'
);

select * from finish();
rollback;
