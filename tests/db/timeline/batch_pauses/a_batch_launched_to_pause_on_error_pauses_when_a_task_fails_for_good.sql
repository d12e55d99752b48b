begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id', p_max_retries => 1) as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]',
    p_config => '{"pause_on_error": true}') \gset
select id as first_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select id as second_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset

-- A failure that will be retried is not an error yet.
select public.fail_task(:'first_id', tests.claim(:'first_id'), 'rate limited', true);
select is((select status from public.task_batches where id = :'batch_id'), 'processing', 'a retried failure does not pause');

update public.ai_tasks set run_after = now() where id = :'first_id';
select public.fail_task(:'first_id', tests.claim(:'first_id'), 'the model refused', false);
select is(
    (select row(status, status_reason)::text from public.task_batches where id = :'batch_id'),
    row('paused', 'paused on an error: answer failed: the model refused')::text,
    'a task failed for good pauses the batch, saying why'
);
select is(
    (select row(reason, status, task_id, detail ->> 'stage_key', detail ->> 'error')::text
     from public.batch_pauses where batch_id = :'batch_id'),
    row('error', 'active', :'first_id'::uuid, 'answer', 'the model refused')::text,
    'the pause is recorded as an error''s, naming the task, its stage and its error'
);
select is((select count(*)::integer from public.v_runnable_tasks where batch_id = :'batch_id'), 0,
    'nothing more of the batch is claimed');

select tests.authenticate_as(:'owner_id');
select public.resume_batch(:'batch_id');
select tests.clear_authentication();
select is(
    (select row(status, resume_trigger, resumed_by)::text from public.batch_pauses where batch_id = :'batch_id'),
    row('resumed', 'person', :'owner_id'::uuid)::text,
    'resuming the batch ends the pause'
);

-- The last input failing finishes the batch: failed, not paused.
select public.fail_task(:'second_id', tests.claim(:'second_id'), 'refused again', false);
select is((select status from public.task_batches where id = :'batch_id'), 'failed',
    'a failure that finishes the batch leaves it failed');
select is((select count(*)::integer from public.batch_pauses where batch_id = :'batch_id'), 1, 'and records no pause');

-- Without the config, a failure does not pause.
select id as plain_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select public.fail_task(id, tests.claim(id), 'refused', false) from public.ai_tasks
where batch_id = :'plain_id' and input_data ->> 'question' = 'a';
select is((select status from public.task_batches where id = :'plain_id'), 'processing',
    'a batch launched without pause_on_error goes on');

select * from finish();
rollback;
