begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', '{"name": "p", "entry": "draft", "stages": [{"key": "draft", "template": "t", "next": ["review", "review"]}, {"key": "review", "template": "t"}]}'::jsonb || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "draft" lists next stage "review" more than once',
    'a next stage listed twice raises OR001 naming the stage'
);
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'owner_id'),
    'the refused definition creates no orchestrator'
);

select * from finish();
rollback;
