begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "outline", "stages": [{"key": "outline", "template": "t", "next": ["question"]}, {"key": "question", "template": "t", "cardinality": "1:N", "split_path": "questions", "next": ["answer", "hint"]}, {"key": "answer", "template": "t", "next": ["quiz"]}, {"key": "hint", "template": "t", "next": ["quiz"]}, {"key": "quiz", "template": "t", "cardinality": "N:1"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "quiz" merges (N:1) but more than one stage leads to it',
    'an N:1 stage that two stages lead to raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
