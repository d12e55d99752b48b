begin;
select plan(4);

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-report-key-0000001', p_owner_id => :'owner_id') \gset
select jsonb_build_array(jsonb_build_object('api_key_id', :'key_id', 'outcome', 'success')) as reports \gset

select ok(
    has_function_privilege('orchable_worker', 'public.report_api_key_results(jsonb)', 'execute'),
    'orchable_worker may call it (it takes no clock: the database''s is used)'
);
select tests.authenticate_as(:'owner_id');
select throws_ok(
    format('select public.report_api_key_results(%L)', :'reports'), '42501', null,
    'the owner cannot write their keys'' health'
);
select tests.authenticate_as_anon();
select throws_ok(
    format('select public.report_api_key_results(%L)', :'reports'), '42501', null,
    'anon cannot call it'
);
select tests.authenticate_as_service_role();
select is(public.report_api_key_results(:'reports'), 1, 'service_role can');

select * from finish();
rollback;
