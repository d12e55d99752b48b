begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'outline') as outline_id \gset

select is(tests.complete(:'outline_id', '{"questions": []}'), 'completed', 'an empty split completes its task');
select is_empty(
    format('select 1 from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'question'),
    'no branch is created'
);
select results_eq(
    format('select parent_task_id, input_data from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'quiz'),
    format($$values (%L::uuid, '{"answers": [], "topic": "cats"}'::jsonb)$$, :'outline_id'),
    'the merge is created at once, under the split task, with an empty list'
);
select is(
    (select status from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'), 'plan',
    'the merge task waits to run'
);

select * from finish();
rollback;
