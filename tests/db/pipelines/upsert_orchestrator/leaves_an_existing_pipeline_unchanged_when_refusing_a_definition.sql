begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select definition as before_definition from public.orchestrators where id = :'orchestrator_id' \gset

-- The course pipeline whose quiz now follows a stage that does not exist.
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_set(
        jsonb_set(:'before_definition'::jsonb, '{stages,0,template}', '"Changed {{topic}}"'),
        '{stages,1,next}', '["grade"]') || jsonb_build_object('owner_id', :'owner_id')),
    'OR001',
    'stage "question" has next stage "grade", which is not defined',
    'a malformed update of an existing pipeline raises OR001'
);
select is(
    (select definition from public.orchestrators where id = :'orchestrator_id'), :'before_definition'::jsonb,
    'the orchestrator keeps its definition'
);
select results_eq(
    format('select id, is_active from public.prompt_templates where orchestrator_id = %L order by id', :'orchestrator_id'),
    format($$values (%1$L || '_outline_1', true), (%1$L || '_question_1', true), (%1$L || '_quiz_1', true)$$, :'orchestrator_id'),
    'no template version is added or deactivated'
);

select * from finish();
rollback;
