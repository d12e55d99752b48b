begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset
select id as cats_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'cats' \gset

select tests.complete(:'cats_id', '{"questions": ["a", "b", "c"]}');
select public.fail_task(id, tests.claim(id), 'refused', false)
from public.ai_tasks where root_task_id = :'cats_id' and stage_key = 'question' and branch_index = 0;

select results_eq(
    format('select completed_tasks, failed_tasks, status from public.task_batches where id = %L', :'batch_id'),
    $$ values (0, 1, 'processing') $$,
    'a task failed for good makes its input count as failed'
);

select public.fail_task(id, tests.claim(id), 'refused', false)
from public.ai_tasks where root_task_id = :'cats_id' and stage_key = 'question' and branch_index = 1;

select is((select failed_tasks from public.task_batches where id = :'batch_id'), 1, 'a second failed task of the same input counts nothing more');
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount'
);

select tests.complete(id, '{"answer": "c"}')
from public.ai_tasks where root_task_id = :'cats_id' and stage_key = 'question' and branch_index = 2;
select is((select failed_tasks from public.task_batches where id = :'batch_id'), 1, 'a sibling completing leaves the input failed');

select * from finish();
rollback;
