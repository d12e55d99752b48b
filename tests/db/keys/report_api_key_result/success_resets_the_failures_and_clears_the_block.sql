begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select public.report_api_key_result(:'key_id', 'rate_limited', p_error => '429', p_now => '2026-01-01 00:00:00+00');
select public.report_api_key_result(:'key_id', 'timeout', p_error => 'read timeout', p_now => '2026-01-01 00:01:00+00');
select results_eq(
    $$select consecutive_failures, blocked_until is not null, block_reason
      from public.report_api_key_result('$$ || :'key_id' || $$', 'success', p_now => '2026-01-01 00:01:02+00')$$,
    $$values (0, false, null::text)$$,
    'success resets the streak and clears the block'
);
select tests.clear_authentication();
select results_eq(
    $$select total_calls, total_failures, last_error, updated_at from public.api_key_health$$,
    $$values (3::bigint, 2::bigint, 'read timeout', '2026-01-01 00:01:02+00'::timestamptz)$$,
    'the totals count every call and failure; the last error stays for diagnosis'
);
select ok(
    (select is_active from public.user_api_keys where id = :'key_id'),
    'the key stays active'
);

select * from finish();
rollback;
