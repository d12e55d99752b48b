begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset
select id as cats_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'cats' \gset

select tests.complete(:'cats_id', '{"questions": ["a", "b"]}');
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 0, 'not after its root');

select tests.complete(id, '{"answer": "x"}') from public.ai_tasks where root_task_id = :'cats_id' and stage_key = 'question';
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 0, 'not after its branches');
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount while the merge is open'
);

select tests.complete(id, '{"quiz": "q"}') from public.ai_tasks where root_task_id = :'cats_id' and stage_key = 'quiz';
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 1, 'once its last task completes');
select is((select status from public.task_batches where id = :'batch_id'), 'processing', 'the batch goes on while another input is open');

-- The other input: an empty split, so the merge follows the root at once.
select tests.complete(id, '{"questions": []}') from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'dogs' and stage_key = 'outline';
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 1, 'an empty split''s merge is still open');
select tests.complete(id, '{"quiz": "none"}') from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz' and status = 'plan';

select results_eq(
    format('select completed_tasks, failed_tasks, status from public.task_batches where id = %L', :'batch_id'),
    $$ values (2, 0, 'completed') $$,
    'both inputs completed: the batch is completed'
);
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount at the end'
);

select * from finish();
rollback;
