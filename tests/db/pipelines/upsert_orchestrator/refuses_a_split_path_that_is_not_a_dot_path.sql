begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "outline", "stages": [{"key": "outline", "template": "t", "next": ["question"]}, {"key": "question", "template": "t", "cardinality": "1:N", "split_path": "plan..questions", "next": ["quiz"]}, {"key": "quiz", "template": "t", "cardinality": "N:1"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "question" is a split (1:N) whose split_path is not a dot path (a.b.c)',
    'a split_path with an empty segment raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
