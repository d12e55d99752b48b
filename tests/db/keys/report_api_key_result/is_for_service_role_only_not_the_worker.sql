begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select ok(
    not has_function_privilege('orchable_worker', 'public.report_api_key_result(uuid, text, integer, text, timestamptz)', 'execute'),
    'orchable_worker may not call it: it takes a clock (p_now); workers report with report_api_key_results'
);
select tests.authenticate_as(:'owner_id');
select throws_ok(
    $$select public.report_api_key_result('$$ || :'key_id' || $$', 'success')$$, '42501', null,
    'the owner cannot write their key''s health'
);
select tests.authenticate_as_anon();
select throws_ok(
    $$select public.report_api_key_result('$$ || :'key_id' || $$', 'success')$$, '42501', null,
    'anon cannot call it'
);
select tests.authenticate_as_service_role();
select is(
    (select total_calls from public.report_api_key_result(:'key_id', 'success')), 1::bigint,
    'service_role can'
);

select * from finish();
rollback;
