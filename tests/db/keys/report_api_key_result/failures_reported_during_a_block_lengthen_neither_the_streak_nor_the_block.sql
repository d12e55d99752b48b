begin;
select plan(6);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-burst-key-00000001', p_owner_id => :'owner_id') \gset

-- The provider stumbles: the eight calls in flight on the key all fail within a second.
select tests.authenticate_as_service_role();
select public.report_api_key_result(:'key_id', 'server_error', p_error => '500', p_now => '2026-01-01 00:00:00+00');
select public.report_api_key_result(:'key_id', 'server_error', p_error => '500', p_now => '2026-01-01 00:00:01+00')
from generate_series(1, 7);
select tests.clear_authentication();
select results_eq(
    $$select consecutive_failures, total_failures, blocked_until
      from public.api_key_health where user_api_key_id = '$$ || :'key_id' || $$'$$,
    $$values (1, 8::bigint, '2026-01-01 00:00:05+00'::timestamptz)$$,
    'a burst of eight server errors counts once in the streak and blocks for the first cooldown, 5 s'
);

select tests.authenticate_as_service_role();
select is(
    (select blocked_until from public.report_api_key_result(
        :'key_id', 'rate_limited', p_retry_after_seconds => 60, p_now => '2026-01-01 00:00:02+00')),
    '2026-01-01 00:01:02+00'::timestamptz,
    'a Retry-After sent during the block is honoured'
);
select results_eq(
    $$select consecutive_failures, blocked_until from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'rate_limited', p_now => '2026-01-01 00:00:03+00')$$,
    $$values (1, '2026-01-01 00:01:02+00'::timestamptz)$$,
    'a rate limit without one changes nothing'
);

select results_eq(
    $$select consecutive_failures, blocked_until from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'timeout', p_now => '2026-01-01 00:01:02+00')$$,
    $$values (2, '2026-01-01 00:01:12+00'::timestamptz)$$,
    'the first failure once the block is over is the next in the streak: 10 s'
);

select public.report_api_key_result(:'key_id', 'invalid_key', p_error => '403', p_now => '2026-01-01 00:01:03+00');
select tests.clear_authentication();
select results_eq(
    $$select k.is_active, h.block_reason
      from public.user_api_keys as k inner join public.api_key_health as h on h.user_api_key_id = k.id
      where k.id = '$$ || :'key_id' || $$'$$,
    $$values (false, 'invalid_key')$$,
    'an invalid key is deactivated even during a block'
);
select is(
    (select consecutive_failures from public.api_key_health where user_api_key_id = :'key_id'), 2,
    'and its streak is unchanged'
);

select * from finish();
rollback;
