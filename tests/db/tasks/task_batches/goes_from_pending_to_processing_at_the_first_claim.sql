begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "Why?"}, {"question": "How?"}]') \gset

select results_eq(
    format('select status, started_at is null from public.task_batches where id = %L', :'batch_id'),
    $$ values ('pending', true) $$,
    'a launched batch is pending and not started'
);
select tests.claim(tests.task_id(:'batch_id', 'answer'));
select results_eq(
    format('select status, started_at is not null, finished_at is null from public.task_batches where id = %L', :'batch_id'),
    $$ values ('processing', true, true) $$,
    'the first claim makes it processing and started'
);
select tests.complete(id, '{"answer": "x"}') from public.ai_tasks where batch_id = :'batch_id' and status = 'plan';
select is((select status from public.task_batches where id = :'batch_id'), 'processing', 'a second input still open keeps it processing');
select is(
    (select array_agg(to_status order by id) from public.task_events where batch_id = :'batch_id' and event = 'batch_status'),
    array['pending', 'processing'],
    'the batch logs pending then processing'
);

select * from finish();
rollback;
