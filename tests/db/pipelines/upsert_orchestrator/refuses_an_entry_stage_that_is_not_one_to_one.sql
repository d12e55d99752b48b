begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "question", "stages": [{"key": "question", "template": "t", "cardinality": "1:N", "split_path": "questions"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "question" is the entry but has cardinality 1:N',
    'an entry stage that is 1:N raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
