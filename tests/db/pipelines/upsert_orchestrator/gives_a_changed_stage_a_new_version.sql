begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset

-- The same course pipeline with another prompt for the question stage.
select (public.upsert_orchestrator(jsonb_set(
    (select definition || jsonb_build_object('owner_id', owner_id) from public.orchestrators where id = :'orchestrator_id'),
    '{stages,1,template}', '"Answer briefly {{item.text}}"'
))).id as updated_id \gset

select is(:'updated_id'::uuid, :'orchestrator_id'::uuid, 'the pipeline is updated in place');
select results_eq(
    format('select id, version, is_active, template from public.prompt_templates where orchestrator_id = %L and stage_key = %L order by version', :'orchestrator_id', 'question'),
    format($$values (%1$L || '_question_1', 1, false, 'Answer {{item.text}}'), (%1$L || '_question_2', 2, true, 'Answer briefly {{item.text}}')$$, :'orchestrator_id'),
    'the changed stage gets version 2 and its version 1 is no longer active'
);
select results_eq(
    format('select id, is_active from public.prompt_templates where orchestrator_id = %L and stage_key <> %L order by stage_key', :'orchestrator_id', 'question'),
    format($$values (%1$L || '_outline_1', true), (%1$L || '_quiz_1', true)$$, :'orchestrator_id'),
    'unchanged stages keep version 1, still active'
);
select is(
    (select next_stage_template_ids from public.prompt_templates where id = :'orchestrator_id' || '_outline_1'),
    array[:'orchestrator_id' || '_question_2'],
    'the stage before it now points at version 2'
);
select is(
    (select count(*)::integer from public.prompt_templates where orchestrator_id = :'orchestrator_id' and is_active), 3,
    'one active template per stage'
);
select is(
    (select (public.upsert_orchestrator(definition || jsonb_build_object('owner_id', owner_id))).id
     from public.orchestrators where id = :'orchestrator_id'),
    :'orchestrator_id'::uuid,
    'applying the new definition again is idempotent'
);

select * from finish();
rollback;
