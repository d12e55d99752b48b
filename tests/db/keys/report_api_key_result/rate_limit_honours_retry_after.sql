begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select is(
    (select blocked_until from public.report_api_key_result(
        :'key_id', 'rate_limited', p_retry_after_seconds => 7, p_now => '2026-01-01 00:00:00+00')),
    '2026-01-01 00:00:07+00'::timestamptz,
    'the provider''s Retry-After sets the cooldown'
);
select is(
    (select blocked_until from public.report_api_key_result(
        :'key_id', 'rate_limited', p_retry_after_seconds => 7200, p_now => '2026-01-01 00:00:00+00')),
    '2026-01-01 02:00:00+00'::timestamptz,
    'even beyond the one-hour cap'
);
select throws_ok(
    $$select public.report_api_key_result('$$ || :'key_id' || $$', 'rate_limited', p_retry_after_seconds => -1)$$,
    'OR100', null,
    'a negative Retry-After is refused'
);

select * from finish();
rollback;
