begin;
select plan(2);

select tests.authenticate_as_worker();
select throws_ok(
    format('select * from public.complete_tasks(%L)', (
        select jsonb_agg(jsonb_build_object('task_id', gen_random_uuid(), 'claim_token', gen_random_uuid(), 'output', 1))
        from generate_series(1, 1001))),
    'OR010', null, '1001 results raise OR010');
select is(
    (select count(*)::integer from public.complete_tasks((
        select jsonb_agg(jsonb_build_object('task_id', gen_random_uuid(), 'claim_token', gen_random_uuid(), 'output', 1))
        from generate_series(1, 1000)))),
    1000,
    '1000 results are taken (each answered not_found here)'
);
select tests.clear_authentication();

select * from finish();
rollback;
