begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_a from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset
select id as key_b from public.add_api_key('gemini', 'AIzaSy-report-key-0000002', p_owner_id => :'owner_id') \gset

select orchable_rpc.report_api_key_result(:'key_a', 'server_error', p_now => '2026-01-01 00:00:00+00');
select pg_stat_get_xact_tuples_updated('public.api_key_health'::regclass) as updates_before \gset
select is(
    orchable._report_api_key_results(
        jsonb_build_array(
            jsonb_build_object('api_key_id', :'key_a', 'outcome', 'success'),
            jsonb_build_object('api_key_id', :'key_b', 'outcome', 'success'),
            jsonb_build_object('api_key_id', :'key_a', 'outcome', 'success'),
            jsonb_build_object('api_key_id', :'key_a', 'outcome', 'success', 'retry_after_seconds', null)
        ),
        '2026-01-01 00:00:01+00'
    ),
    4,
    'it returns how many reports it applied'
);
select is(
    pg_stat_get_xact_tuples_updated('public.api_key_health'::regclass) - :updates_before, 2::bigint,
    'each key''s health row is updated once'
);

select results_eq(
    format(
        $$select total_calls, total_failures, consecutive_failures, blocked_until
          from public.api_key_health where user_api_key_id = %L$$, :'key_a'
    ),
    $$values (4::bigint, 1::bigint, 0, null::timestamptz)$$,
    'three successes of a key count three calls and end its streak and its block'
);
select results_eq(
    format('select total_calls from public.api_key_health where user_api_key_id = %L', :'key_b'),
    $$values (1::bigint)$$,
    'each key counts its own calls'
);

select * from finish();
rollback;
