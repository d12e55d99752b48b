begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format($$ select public.upsert_orchestrator(jsonb_build_object('name', repeat('n', 5000), 'owner_id', %L,
        'entry', 'a', 'stages', jsonb_build_array(jsonb_build_object('key', 'a', 'template', 'x')))) $$, :'owner_id'),
    'OR001',
    'the pipeline name is 5000 characters long; at most 200',
    'a 5,000-character name is refused with OR001, not a btree error'
);
select is(
    (select count(*)::integer from public.orchestrators where owner_id = :'owner_id'), 0,
    'no orchestrator is created'
);

select * from finish();
rollback;
