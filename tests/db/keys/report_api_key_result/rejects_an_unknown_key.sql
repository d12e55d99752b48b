begin;
select plan(1);

grant usage on schema extensions to orchable_worker;

select tests.authenticate_as_service_role();
select throws_ok(
    $$select public.report_api_key_result(gen_random_uuid(), 'success')$$, 'OR101', null,
    'a key that does not exist (or was deleted)'
);

select * from finish();
rollback;
