begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "outline", "stages": [{"key": "outline", "template": "t", "next": ["question"]}, {"key": "question", "template": "t", "cardinality": "1:N", "split_path": "questions", "next": ["quiz"]}, {"key": "quiz", "template": "t", "cardinality": "N:1", "merge_path": ""}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "quiz" is a merge (N:1) whose merge_path is not a dot path (a.b.c)',
    'an empty merge_path raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
