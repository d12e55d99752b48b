begin;
select plan(1);

select tests.authenticate_as_service_role();
select throws_ok(
    format('select public.complete_task(%L, %L, %L)', gen_random_uuid(), gen_random_uuid(), '{"answer": "x"}'),
    'OR004', null, 'an unknown task is refused'
);

select * from finish();
rollback;
