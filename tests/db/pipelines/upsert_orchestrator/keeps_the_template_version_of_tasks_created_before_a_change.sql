begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as old_batch from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset

select public.upsert_orchestrator(jsonb_set(
    (select definition || jsonb_build_object('owner_id', owner_id) from public.orchestrators where id = :'orchestrator_id'),
    '{stages,0,template}', '"Outline in five points {{topic}}"'
));
select id as new_batch from public.launch_batch(:'orchestrator_id', '[{"topic": "dogs"}]') \gset

select is(
    (select prompt_template_id from public.ai_tasks where batch_id = :'old_batch'),
    :'orchestrator_id' || '_outline_1',
    'a task created before the change keeps version 1'
);
select is(
    (select prompt_template_id from public.ai_tasks where batch_id = :'new_batch'),
    :'orchestrator_id' || '_outline_2',
    'a task created after the change uses version 2'
);

select is(
    tests.complete(tests.task_id(:'old_batch', 'outline'), '{"questions": [{"text": "Why?"}]}'),
    'completed',
    'the old task still completes'
);
select is(
    (select prompt_template_id from public.ai_tasks where batch_id = :'old_batch' and stage_key = 'question'),
    :'orchestrator_id' || '_question_1',
    'its children use the active version of the next stage'
);

select * from finish();
rollback;
