begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'outline') as outline_id \gset

select tests.complete(:'outline_id', '{"questions": [{"text": "Why purr?"}, "plain", 3]}');

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question'), 3,
    'one child per element of the array at split_path'
);
select results_eq(
    format('select branch_index, input_data from public.ai_tasks where parent_task_id = %L order by branch_index', :'outline_id'),
    $$ values
        (0, '{"item": {"text": "Why purr?"}, "item_index": 0, "topic": "cats"}'::jsonb),
        (1, '{"item": "plain", "item_index": 1, "topic": "cats"}'::jsonb),
        (2, '{"item": 3, "item_index": 2, "topic": "cats"}'::jsonb) $$,
    'each child gets {item, item_index} in array order, plus its input_mapping'
);
select is(
    (select count(*)::integer from public.ai_tasks
     where parent_task_id = :'outline_id' and split_task_id = :'outline_id' and status = 'plan'),
    3,
    'every branch records the split task and waits in plan'
);
select is_empty(
    format('select 1 from orchable.merge_groups where split_task_id = %L and (expected_count <> 3 or arrived_count <> 0 or merge_stage_key <> %L)', :'outline_id', 'quiz'),
    'the merge group expects three branches'
);

select * from finish();
rollback;
