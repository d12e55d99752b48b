begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "Why?"}, {"question": "How?"}]') \gset
select id as why_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'Why?' \gset
select id as how_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'How?' \gset

select public.fail_task(:'why_id', tests.claim(:'why_id'), 'refused', false);
select tests.complete(:'how_id', '{"answer": "Like this."}');

select results_eq(
    format('select completed_tasks, failed_tasks, status, finished_at is not null from public.task_batches where id = %L', :'batch_id'),
    $$ values (1, 1, 'failed', true) $$,
    'every input finished, one failed: the batch failed'
);

select public.retry_task(:'why_id');
select results_eq(
    format('select completed_tasks, failed_tasks, status, finished_at is null from public.task_batches where id = %L', :'batch_id'),
    $$ values (1, 0, 'processing', true) $$,
    'the retried input is no longer failed and the batch is running again'
);
select results_eq(
    format('select completed_tasks, failed_tasks from public.task_batches where id = %L', :'batch_id'),
    format('select * from tests.recount(%L)', :'batch_id'),
    'the counters equal a recount after the retry'
);

select is(tests.complete(:'why_id', '{"answer": "Because."}'), 'completed', 'the retried task completes');
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
