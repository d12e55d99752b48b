begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset

select tests.complete(id, '{"questions": ["a", "b", "c"]}')
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'outline';

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 8,
    'the batch has eight tasks'
);
select results_eq(
    format('select total_tasks, completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    $$ values (2, 0, 0) $$,
    'total_tasks counts the two inputs, not the tasks; none has finished'
);
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount'
);

select * from finish();
rollback;
