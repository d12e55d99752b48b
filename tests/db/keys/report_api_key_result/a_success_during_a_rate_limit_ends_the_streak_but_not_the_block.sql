begin;
select plan(2);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-quota-key-00000001', p_owner_id => :'owner_id') \gset

-- The quota runs out: a 429 with Retry-After 60, then a call that was already in flight succeeds.
select tests.authenticate_as_service_role();
select public.report_api_key_result(
    :'key_id', 'rate_limited', p_retry_after_seconds => 60, p_now => '2026-01-01 00:00:00+00'
);
select results_eq(
    $$select consecutive_failures, blocked_until, block_reason
      from public.report_api_key_result('$$ || :'key_id' || $$', 'success', p_now => '2026-01-01 00:00:01+00')$$,
    $$values (0, '2026-01-01 00:01:00+00'::timestamptz, 'rate_limited')$$,
    'a success during a rate limit ends the streak, and the key stays blocked until the Retry-After'
);
select results_eq(
    $$select consecutive_failures, blocked_until, block_reason
      from public.report_api_key_result('$$ || :'key_id' || $$', 'success', p_now => '2026-01-01 00:01:00+00')$$,
    $$values (0, null::timestamptz, null::text)$$,
    'a success once it has run out clears it'
);
select tests.clear_authentication();

select * from finish();
rollback;
