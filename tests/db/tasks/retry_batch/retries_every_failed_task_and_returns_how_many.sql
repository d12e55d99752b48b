begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}]') \gset
select public.fail_task(id, tests.claim(id), 'bad', false) from public.ai_tasks
where batch_id = :'batch_id' and input_data ->> 'question' in ('a', 'b');
select tests.complete(id, '{"answer": "c"}') from public.ai_tasks
where batch_id = :'batch_id' and input_data ->> 'question' = 'c';
select status as status_before from public.task_batches where id = :'batch_id' \gset

select tests.authenticate_as(:'owner_id');
select public.retry_batch(:'batch_id') as retried \gset
select tests.clear_authentication();

select is(:'status_before'::text, 'failed', 'the batch had failed');
select is(:'retried'::integer, 2, 'retry_batch returns how many tasks it retried');
select is(
    (select array_agg(status order by input_data ->> 'question') from public.ai_tasks where batch_id = :'batch_id'),
    array['plan', 'plan', 'completed'], 'the failed tasks are back in plan, the completed one is untouched'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and status = 'plan'
     and retry_count = 0 and error_message is null),
    2, 'with fresh retries and no error'
);
select is(
    (select row(status, completed_tasks, failed_tasks, finished_at)::text from public.task_batches where id = :'batch_id'),
    row('processing', 1, 0, null::timestamptz)::text, 'the batch leaves failed'
);

select * from finish();
rollback;
