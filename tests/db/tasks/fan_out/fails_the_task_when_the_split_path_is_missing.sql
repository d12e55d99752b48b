begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'outline') as outline_id \gset

select is(tests.complete(:'outline_id', '{"topics": ["a", "b"]}'), 'failed', 'complete_task answers failed');
select results_eq(
    format('select status, error_code from public.ai_tasks where id = %L', :'outline_id'),
    $$ values ('failed', 'OR009') $$,
    'the task fails with OR009'
);
select matches(
    (select error_message from public.ai_tasks where id = :'outline_id'),
    '"questions"',
    'the message names the split path'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 1,
    'no child is created'
);
select is_empty(
    format('select 1 from orchable.merge_groups where split_task_id = %L', :'outline_id'),
    'no merge group is opened'
);

select * from finish();
rollback;
