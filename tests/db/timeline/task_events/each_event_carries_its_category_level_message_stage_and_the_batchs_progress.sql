begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id', p_max_retries => 0) as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]', p_name => 'two') \gset
select id as first_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select id as second_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset

select tests.complete(:'first_id', '{"answer": "A."}');
select public.fail_task(:'second_id', tests.claim(:'second_id'), 'the model refused', false);

select results_eq(
    format($$select from_status, to_status, category, level, message, stage_key, progress
        from public.task_events where task_id = %L order by id$$, :'first_id'),
    $$ values
        (null, 'plan', 'technical', 'debug', 'answer queued', 'answer', 0::numeric),
        ('plan', 'processing', 'technical', 'info', 'answer started by tests', 'answer', 0::numeric),
        ('processing', 'completed', 'business', 'info', 'answer completed', 'answer', 0::numeric) $$,
    'a task''s events: queued and claimed are technical, its completion is the user''s business'
);
select results_eq(
    format($$select to_status, category, level, message, progress
        from public.task_events where task_id = %L and to_status = 'failed'$$, :'second_id'),
    $$ values ('failed', 'business', 'error', 'answer failed: the model refused', 50::numeric) $$,
    'a failure is an error naming why, with the progress as it stood (one input of two finished)'
);
select results_eq(
    format($$select to_status, category, level, message, stage_key, progress
        from public.task_events where batch_id = %L and event = 'batch_status' order by id$$, :'batch_id'),
    $$ values
        ('pending', 'business', 'info', 'Batch two launched', null::text, 0::numeric),
        ('processing', 'business', 'info', 'Batch started: 2 inputs', null, 0),
        ('failed', 'business', 'error', 'Batch finished with failures: 1 of 2 inputs failed, 1 completed', null, 100) $$,
    'the batch''s changes are milestones with the progress after them'
);

-- An event that is not a status change (an interaction's step) through _log_event.
select orchable._log_event(:'batch_id', :'first_id', 'interaction', 'requested',
    '{"interaction_id": "00000000-0000-0000-0000-000000000001"}', 'Waiting for people: check it');
select results_eq(
    format($$select owner_id, task_id, category, level, message, stage_key, progress
        from public.task_events where batch_id = %L and event = 'interaction'$$, :'batch_id'),
    format($$ values (%L::uuid, %L::uuid, 'business', 'info', 'Waiting for people: check it', 'answer', 100::numeric) $$,
        :'owner_id', :'first_id'),
    '_log_event fills the owner, the stage and the progress'
);
select throws_ok(
    $$select orchable._log_event(gen_random_uuid(), null, 'pause', 'paused', '{}', 'x')$$,
    'OR005', null, '_log_event refuses an unknown batch'
);

select * from finish();
rollback;
