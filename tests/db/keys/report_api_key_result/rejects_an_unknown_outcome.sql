begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select throws_ok(
    $$select public.report_api_key_result('$$ || :'key_id' || $$', 'exploded')$$, 'OR102', null,
    'an outcome that is not known'
);
select throws_ok(
    $$select public.report_api_key_result('$$ || :'key_id' || $$', null)$$, 'OR102', null,
    'no outcome'
);
select tests.clear_authentication();
select results_eq(
    $$select total_calls, consecutive_failures from public.api_key_health$$,
    $$values (0::bigint, 0)$$,
    'nothing is recorded'
);

select * from finish();
rollback;
