begin;
select plan(2);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_a from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset
select id as key_b from public.add_api_key('gemini', 'AIzaSy-report-key-0000002', p_owner_id => :'owner_id') \gset

-- The same two outcomes, in opposite orders: a success clears a server error's block,
-- a server error after a success blocks the key.
select orchable._report_api_key_results(
    jsonb_build_array(
        jsonb_build_object('api_key_id', :'key_a', 'outcome', 'server_error', 'error', '500 internal'),
        jsonb_build_object('api_key_id', :'key_b', 'outcome', 'success'),
        jsonb_build_object('api_key_id', :'key_a', 'outcome', 'success'),
        jsonb_build_object('api_key_id', :'key_b', 'outcome', 'server_error', 'error', '500 internal')
    ),
    '2026-01-01 00:00:00+00'
);

select results_eq(
    format(
        $$select total_calls, total_failures, consecutive_failures, blocked_until, last_error
          from public.api_key_health where user_api_key_id = %L$$, :'key_a'
    ),
    $$values (2::bigint, 1::bigint, 0, null::timestamptz, '500 internal')$$,
    'a server error then a success leave the key free'
);
select results_eq(
    format(
        $$select total_calls, total_failures, consecutive_failures, blocked_until, block_reason
          from public.api_key_health where user_api_key_id = %L$$, :'key_b'
    ),
    $$values (2::bigint, 1::bigint, 1, '2026-01-01 00:00:05+00'::timestamptz, 'server_error')$$,
    'a success then a server error block it for 5 s'
);

select * from finish();
rollback;
