begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'outline') as outline_id \gset
select tests.complete(:'outline_id', '{"questions": ["a", "b", "c"]}');

-- Branches complete out of order: 2, then 0, then 1.
select tests.complete(tests.task_id(:'batch_id', 'question', 2), '{"answer": "C"}');
select tests.complete(tests.task_id(:'batch_id', 'question', 0), '{"answer": "A"}');
select is_empty(
    format('select 1 from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'quiz'),
    'no merge while a branch is still open'
);
select tests.complete(tests.task_id(:'batch_id', 'question', 1), '{"answer": "B"}');

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'), 1,
    'the last branch creates exactly one merge task'
);
select is(
    (select input_data from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'),
    '{"answers": [{"answer": "A"}, {"answer": "B"}, {"answer": "C"}], "topic": "cats"}'::jsonb,
    'its input holds the branches'' outputs in split order under merge_path, plus the split task''s input_mapping'
);
select results_eq(
    format('select parent_task_id, hierarchy_path, split_task_id, branch_index from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'quiz'),
    format('values (%1$L::uuid, jsonb_build_array(%1$L::uuid), null::uuid, null::integer)', :'outline_id'),
    'its parent is the split task, and it is outside the split'
);
select is(
    (select root_task_id from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'), :'outline_id'::uuid,
    'it belongs to the input''s tree'
);
select isnt(
    (select merged_at from orchable.merge_groups where split_task_id = :'outline_id'), null,
    'the merge group is marked merged'
);
select is(
    (select arrived_count from orchable.merge_groups where split_task_id = :'outline_id'), 3,
    'every branch arrived once'
);

select * from finish();
rollback;
