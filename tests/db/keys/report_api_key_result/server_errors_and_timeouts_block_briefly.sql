begin;
select plan(5);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select results_eq(
    $$select blocked_until, block_reason, last_error from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'server_error', p_error => '503 unavailable', p_now => '2026-01-01 00:00:00+00')$$,
    $$values ('2026-01-01 00:00:05+00'::timestamptz, 'server_error', '503 unavailable')$$,
    'a server error blocks the key for 5 s'
);
select results_eq(
    $$select blocked_until, block_reason from public.report_api_key_result(
        '$$ || :'key_id' || $$', 'timeout', p_now => '2026-01-01 00:01:00+00')$$,
    $$values ('2026-01-01 00:01:10+00'::timestamptz, 'timeout')$$,
    'a timeout next in the streak for 10 s'
);
-- Each after the last block ran out: a failure during a block does not lengthen the streak.
select public.report_api_key_result(:'key_id', 'server_error', p_now => '2026-01-01 00:00:00+00'::timestamptz + n * interval '6 minutes')
from generate_series(3, 7) as n;
select is(
    (select blocked_until - '2026-01-01 01:00:00+00'::timestamptz
        from public.report_api_key_result(:'key_id', 'server_error', p_now => '2026-01-01 01:00:00+00')),
    interval '5 minutes',
    'the eighth would be 640 s, capped at 5 minutes'
);
select is(
    (select blocked_until from public.report_api_key_result(
        :'key_id', 'server_error', p_now => '2026-01-01 00:00:00+00')),
    '2026-01-01 01:05:00+00'::timestamptz,
    'a shorter cooldown never shortens a block already in force'
);
select tests.clear_authentication();
select ok(
    (select is_active from public.user_api_keys where id = :'key_id'),
    'nine failures in a row leave the key active'
);

select * from finish();
rollback;
