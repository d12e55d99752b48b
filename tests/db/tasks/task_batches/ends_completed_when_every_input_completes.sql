begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset

select tests.complete(tests.task_id(:'batch_id', 'outline'), '{"questions": ["a", "b"]}');
select tests.complete(id, '{"answer": "x"}') from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question';
select tests.complete(tests.task_id(:'batch_id', 'quiz'), '{"quiz": "q"}');

select results_eq(
    format('select status, completed_tasks, failed_tasks, finished_at is not null from public.task_batches where id = %L', :'batch_id'),
    $$ values ('completed', 1, 0, true) $$,
    'the batch is completed and finished'
);
select results_eq(
    format('select from_status, to_status from public.task_events where batch_id = %L and event = %L order by id', :'batch_id', 'batch_status'),
    $$ values (null, 'pending'), ('pending', 'processing'), ('processing', 'completed') $$,
    'the batch went pending, processing, completed, with no status in between'
);
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount'
);

select * from finish();
rollback;
