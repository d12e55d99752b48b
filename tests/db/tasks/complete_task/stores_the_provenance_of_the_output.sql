begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select id as template_id, version as template_version from public.prompt_templates
where orchestrator_id = :'orchestrator_id' \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-worker-key-0123456789', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.complete_task(:'task_id', :'claim_token', '{"answer": "x"}', null,
    jsonb_build_object('provider', 'gemini', 'model', 'gemini-2.5-flash', 'api_key_id', :'key_id',
        'response_id', 'resp-42', 'template_version', 999)) as result \gset
select tests.clear_authentication();

select is(
    (select provenance from public.ai_tasks where id = :'task_id'),
    jsonb_build_object('provider', 'gemini', 'model', 'gemini-2.5-flash', 'api_key_id', :'key_id',
        'response_id', 'resp-42', 'template_id', :'template_id', 'template_version', :'template_version'::integer),
    'the output keeps provider, model, key id and response id, with the template id and version from the database'
);

-- Without a provenance, the template still is recorded.
select id as batch2 from public.launch_batch(:'orchestrator_id', '[{"question": "how"}]') \gset
select tests.complete(tests.task_id(:'batch2', 'answer'), '{"answer": "y"}');
select is(
    (select provenance from public.ai_tasks where id = tests.task_id(:'batch2', 'answer')),
    jsonb_build_object('template_id', :'template_id', 'template_version', :'template_version'::integer),
    'an output with no provenance reported still names its template and version'
);

select * from finish();
rollback;
