begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "outline", "stages": [{"key": "outline", "template": "t", "next": ["summary"]}, {"key": "summary", "template": "t", "input_mapping": {"topic": "parent.topic"}}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "summary" has an input_mapping value that is not "input.<path>" or "output.<path>"',
    'an input_mapping value outside input./output. raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
