begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id', p_max_retries => 0) as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}]', p_name => 'three') \gset
select id as task_a from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select id as task_b from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset
select tests.complete(:'task_a', '{"answer": "x"}');
select public.fail_task(:'task_b', tests.claim(:'task_b'), 'boom', false);

select is(
    (select row(name, status, total_tasks, completed_tasks, failed_tasks, percent_done)::text
     from public.v_batch_progress where batch_id = :'batch_id'),
    row('three', 'processing', 3, 1, 1, 66.7::numeric(5, 1))::text,
    'it shows the batch, its counters and the inputs finished (2 of 3) in percent'
);
select is(
    (select row(plan_count, processing_count, generated_count, completed_count, failed_count, cancelled_count)::text
     from public.v_batch_progress where batch_id = :'batch_id'),
    row(1, 0, 0, 1, 1, 0)::text,
    'it counts the batch''s tasks by status'
);
select is(
    (select row(llm_call_count, cost_usd, budget_usd, tasks_per_minute > 0)::text
     from public.v_batch_progress where batch_id = :'batch_id'),
    row(0, 0::numeric(14, 8), null::numeric, true)::text,
    'with no call there is no cost, and no budget unless the config sets one'
);

select * from finish();
rollback;
