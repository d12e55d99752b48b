begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "Why?"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

-- One retryable failure, then a success.
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'rate limited', true);
update public.ai_tasks set run_after = now() where id = :'task_id';
select tests.complete(:'task_id', '{"answer": "Because."}');

select results_eq(
    format('select event, from_status, to_status from public.task_events where task_id = %L order by id', :'task_id'),
    $$ values
        ('task_status', null, 'plan'),
        ('task_status', 'plan', 'processing'),
        ('task_status', 'processing', 'plan'),
        ('task_status', 'plan', 'processing'),
        ('task_status', 'processing', 'completed') $$,
    'one event per status change, in order'
);
select is(
    (select detail from public.task_events where task_id = :'task_id' and from_status = 'processing' and to_status = 'plan'),
    '{"retry_count": 1, "error": "rate limited"}'::jsonb,
    'the retry event says which attempt and why'
);
select is(
    (select array_agg(distinct stage_key) from public.task_events where task_id = :'task_id'),
    array['answer'],
    'every event of the task names its stage'
);
select is(
    (select count(*)::integer from public.task_events where task_id = :'task_id' and owner_id = :'owner_id' and batch_id = :'batch_id'), 5,
    'every event belongs to the task''s owner and batch'
);

select * from finish();
rollback;
