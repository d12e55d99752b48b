begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]', p_name => 'story') \gset
select id as other_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "b"}]', p_name => 'another') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

-- A retry, a pause by a person and its resume, then the answer.
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'rate limited', true);
select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select public.resume_batch(:'batch_id');
select tests.clear_authentication();
update public.ai_tasks set run_after = now() where id = :'task_id';
select tests.complete(:'task_id', '{"answer": "A."}');

select tests.authenticate_as(:'owner_id');
select results_eq(
    format($$select event, category, level, message, stage_key, progress
        from public.v_batch_timeline where batch_id = %L order by event_id$$, :'batch_id'),
    $$ values
        ('batch_status', 'business', 'info', 'Batch story launched', null::text, 0::numeric),
        ('task_status', 'technical', 'debug', 'answer queued', 'answer', 0),
        ('task_status', 'technical', 'info', 'answer started by tests', 'answer', 0),
        ('batch_status', 'business', 'info', 'Batch started: 1 input', null, 0),
        ('task_status', 'technical', 'warning', 'answer failed, retry 1 of 3: rate limited', 'answer', 0),
        ('batch_status', 'business', 'warning', 'Batch paused: paused by its owner', null, 0),
        ('pause', 'business', 'warning', 'Paused by a person', null, 0),
        ('batch_status', 'business', 'info', 'Batch resumed', null, 0),
        ('pause', 'business', 'info', 'Person pause ended: resumed by a person', null, 0),
        ('task_status', 'technical', 'info', 'answer started by tests', 'answer', 0),
        ('task_status', 'business', 'info', 'answer completed', 'answer', 0),
        ('batch_status', 'business', 'info', 'Batch completed: 1 of 1 inputs', null, 100) $$,
    'the owner reads the batch''s story as sentences, in the order it happened'
);
select is(
    (select array_agg(event_id) from (
        select event_id from public.v_batch_timeline where batch_id = :'batch_id' order by event_id desc limit 2) as latest),
    (select array_agg(id order by id desc) from (
        select id from public.task_events where batch_id = :'batch_id' order by id desc limit 2) as latest),
    'the latest events are read newest first'
);
select is((select count(distinct batch_id)::integer from public.v_batch_timeline), 2, 'the owner reads both their batches');
select tests.clear_authentication();

select tests.authenticate_as(:'other_id');
select is((select count(*)::integer from public.v_batch_timeline), 0, 'another user reads nothing');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok('select count(*) from public.v_batch_timeline', '42501', null, 'anon cannot read it');
select tests.clear_authentication();

select * from finish();
rollback;
