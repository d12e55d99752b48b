begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}, {"topic": "owls"}]') \gset

select is(
    (select total_tasks from public.task_batches where id = :'batch_id'), 3,
    'the batch counts one input per element'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 3,
    'one task per input is created'
);
select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and parent_task_id is null and root_task_id = id and stage_key = 'outline'),
    3,
    'every task is a root of the entry stage'
);
select results_eq(
    $$ select input_data from public.ai_tasks where batch_id = $$ || quote_literal(:'batch_id') || $$ order by input_data ->> 'topic' $$,
    $$ values ('{"topic": "cats"}'::jsonb), ('{"topic": "dogs"}'), ('{"topic": "owls"}') $$,
    'each input becomes a root task''s input_data'
);
select is(
    (select count(distinct launch_id)::integer from public.ai_tasks where batch_id = :'batch_id'), 1,
    'the tasks share the batch''s launch_id'
);
select is(
    (select status from public.task_batches where id = :'batch_id'), 'pending',
    'a new batch is pending'
);
select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and status = 'plan' and hierarchy_path = '[]' and step_number = 1),
    3,
    'root tasks start in plan at step 1 with an empty hierarchy'
);

select * from finish();
rollback;
