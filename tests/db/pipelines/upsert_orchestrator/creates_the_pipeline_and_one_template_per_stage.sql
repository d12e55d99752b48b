begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset

select results_eq(
    format('select owner_id, name, entry_stage_key from public.orchestrators where id = %L', :'orchestrator_id'),
    format('values (%L::uuid, %L, %L)', :'owner_id', 'course', 'outline'),
    'the orchestrator row holds the owner, the name and the entry stage'
);
select results_eq(
    format('select id, stage_key, version, is_active from public.prompt_templates where orchestrator_id = %L order by stage_key', :'orchestrator_id'),
    format($$values (%1$L || '_outline_1', 'outline', 1, true), (%1$L || '_question_1', 'question', 1, true), (%1$L || '_quiz_1', 'quiz', 1, true)$$, :'orchestrator_id'),
    'one active template per stage, id <orchestrator id>_<stage key>_1'
);
select is(
    (select array_agg(distinct owner_id) from public.prompt_templates where orchestrator_id = :'orchestrator_id'),
    array[:'owner_id'::uuid],
    'the templates belong to the pipeline''s owner'
);
select is(
    (select next_stage_template_ids from public.prompt_templates where id = :'orchestrator_id' || '_outline_1'),
    array[:'orchestrator_id' || '_question_1'],
    'next_stage_template_ids points at the active template of the next stage'
);
select is(
    (select stage_config from public.prompt_templates where id = :'orchestrator_id' || '_question_1')
        - 'task_type',
    '{"cardinality": "1:N", "split_path": "questions", "next": ["quiz"], "input_mapping": {"topic": "input.topic"}, "merge_stage_keys": ["quiz"]}'::jsonb,
    'a split stage''s config keeps split_path and input_mapping and knows the merge that closes it'
);
select is(
    (select stage_config ->> 'merge_path' from public.prompt_templates where id = :'orchestrator_id' || '_quiz_1'),
    'answers',
    'a merge stage''s config keeps merge_path'
);
select is(
    (select template from public.prompt_templates where id = :'orchestrator_id' || '_outline_1'),
    'Outline {{topic}}',
    'the template text is stored'
);

select * from finish();
rollback;
