begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "outline", "stages": [{"key": "outline", "template": "t", "cardinality": "N:N"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "outline" has cardinality "N:N"; it must be 1:1, 1:N or N:1',
    'an unknown cardinality raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
