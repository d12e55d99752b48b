begin;
select plan(5);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select results_eq(
    $$select consecutive_failures, blocked_until, block_reason
      from public.report_api_key_result('$$ || :'key_id' || $$', 'rate_limited', p_now => '2026-01-01 00:00:00+00')$$,
    $$values (1, '2026-01-01 00:00:30+00'::timestamptz, 'rate_limited')$$,
    'the first rate limit blocks the key for 30 s'
);
select is(
    (select blocked_until - '2026-01-01 00:01:00+00'::timestamptz
        from public.report_api_key_result(:'key_id', 'rate_limited', p_now => '2026-01-01 00:01:00+00')),
    interval '60 seconds',
    'the second in a row for 60 s'
);
select is(
    (select blocked_until - '2026-01-01 00:02:00+00'::timestamptz
        from public.report_api_key_result(:'key_id', 'rate_limited', p_now => '2026-01-01 00:02:00+00')),
    interval '120 seconds',
    'the third for 120 s'
);
-- Each after the last block ran out: a failure during a block does not lengthen the streak.
select public.report_api_key_result(:'key_id', 'rate_limited', p_now => '2026-01-01 00:00:00+00'::timestamptz + n * interval '1 hour')
from generate_series(4, 7) as n;
select is(
    (select blocked_until - '2026-01-01 08:00:00+00'::timestamptz
        from public.report_api_key_result(:'key_id', 'rate_limited', p_now => '2026-01-01 08:00:00+00')),
    interval '1 hour',
    'the eighth would be 3840 s, capped at one hour'
);
select tests.clear_authentication();
select ok(
    (select is_active from public.user_api_keys where id = :'key_id'),
    'eight rate limits in a row do not deactivate the key'
);

select * from finish();
rollback;
