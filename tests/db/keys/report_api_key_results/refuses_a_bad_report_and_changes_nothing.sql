begin;
select plan(6);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_worker();
select throws_ok(
    $$select public.report_api_key_results('{"api_key_id": "x"}')$$, 'OR010', null,
    'a report that is not an array is refused with OR010'
);
select throws_ok(
    format(
        $$select public.report_api_key_results('[{"api_key_id": %s, "outcome": "success"}, {"api_key_id": "not-a-uuid", "outcome": "success"}]')$$,
        to_jsonb(:'key_id'::text)
    ),
    'OR010', 'element 1 of p_reports has no api_key_id (a uuid): nothing was changed',
    'an element without a uuid api_key_id is named, with OR010'
);
select throws_ok(
    format(
        $$select public.report_api_key_results('[{"api_key_id": %s, "outcome": "rate_limited", "retry_after_seconds": 1.5}]')$$,
        to_jsonb(:'key_id'::text)
    ),
    'OR010', 'element 0 of p_reports has a retry_after_seconds that is not an integer: nothing was changed',
    'a retry-after that is not an integer is refused with OR010'
);
select throws_ok(
    format(
        $$select public.report_api_key_results('[{"api_key_id": %s, "outcome": "success"}, {"api_key_id": %s, "outcome": "success"}]')$$,
        to_jsonb(:'key_id'::text), to_jsonb(gen_random_uuid()::text)
    ),
    'OR101', null,
    'an unknown key is refused with OR101, as report_api_key_result refuses it'
);
select throws_ok(
    format(
        $$select public.report_api_key_results('[{"api_key_id": %s, "outcome": "success"}, {"api_key_id": %s, "outcome": "melted"}]')$$,
        to_jsonb(:'key_id'::text), to_jsonb(:'key_id'::text)
    ),
    'OR102', null,
    'an unknown outcome is refused with OR102'
);
select tests.clear_authentication();

select is(
    (select total_calls from public.api_key_health where user_api_key_id = :'key_id'), 0::bigint,
    'no refused call changed the key'
);

select * from finish();
rollback;
