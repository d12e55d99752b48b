begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "stages": [{"key": "outline", "template": "t"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'the pipeline definition has no entry stage',
    'a definition without entry raises OR001 saying so'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
