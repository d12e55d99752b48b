begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

select lives_ok(
    format('select public.upsert_orchestrator(%L::jsonb)', jsonb_build_object(
        'name', 'decimal', 'owner_id', :'owner_id', 'entry', 'answer',
        'stages', '[{"key": "answer", "template": "Answer {{question}}", "max_retries": 5.0}]'::jsonb)),
    'a max_retries of 5.0 is taken'
);
select is(
    (select max_retries from public.prompt_templates where owner_id = :'owner_id' and stage_key = 'answer'),
    5,
    'and stored as 5'
);

select * from finish();
rollback;
