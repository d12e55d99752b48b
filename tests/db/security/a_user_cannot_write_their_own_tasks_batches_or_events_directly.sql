begin;
select plan(15);

-- Tasks, batches, events and pipelines change only through the RPCs, even for their owner.
select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select id as template_a from public.prompt_templates where orchestrator_id = :'orchestrator_a' \gset

select tests.authenticate_as(:'user_a');
select throws_ok(
    format($$ insert into public.ai_tasks (owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key,
                  prompt_template_id, root_task_id)
              select owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, prompt_template_id, root_task_id
              from public.ai_tasks where id = %L $$, :'task_a'),
    '42501', null, 'A inserting a task is refused with 42501');
select throws_ok(format($$ update public.ai_tasks set status = 'completed', completed_at = now() where id = %L $$, :'task_a'),
    '42501', null, 'A updating their own task is refused with 42501');
select throws_ok(format($$ update public.ai_tasks set output_data = '{"answer": 1}' where id = %L $$, :'task_a'),
    '42501', null, 'A writing their own task''s output is refused with 42501');
select throws_ok(format($$ delete from public.ai_tasks where id = %L $$, :'task_a'),
    '42501', null, 'A deleting their own task is refused with 42501 (delete_batch is the way)');
select throws_ok(
    format($$ insert into public.task_batches (owner_id, orchestrator_id, name) values (%L, %L, 'direct') $$,
        :'user_a', :'orchestrator_a'),
    '42501', null, 'A inserting a batch is refused with 42501');
select throws_ok(format($$ update public.task_batches set total_tasks = 100 where id = %L $$, :'batch_a'),
    '42501', null, 'A updating their own batch''s counters is refused with 42501');
select throws_ok(format($$ delete from public.task_batches where id = %L $$, :'batch_a'),
    '42501', null, 'A deleting their own batch directly is refused with 42501');
select throws_ok(
    format($$ insert into public.task_events (owner_id, batch_id, event, to_status) values (%L, %L, 'batch_status', 'completed') $$,
        :'user_a', :'batch_a'),
    '42501', null, 'A inserting an event is refused with 42501 (the log is append-only, by triggers)');
select throws_ok(format($$ update public.task_events set to_status = 'completed' where batch_id = %L $$, :'batch_a'),
    '42501', null, 'A updating their own events is refused with 42501');
select throws_ok(format($$ delete from public.task_events where batch_id = %L $$, :'batch_a'),
    '42501', null, 'A deleting their own events is refused with 42501');
select throws_ok(
    format($$ insert into public.orchestrators (owner_id, name, entry_stage_key, definition) values (%L, 'direct', 'x', '{}') $$,
        :'user_a'),
    '42501', null, 'A inserting an orchestrator is refused with 42501 (upsert_orchestrator is the way)');
select throws_ok(format($$ update public.orchestrators set entry_stage_key = 'nowhere' where id = %L $$, :'orchestrator_a'),
    '42501', null, 'A updating their own orchestrator is refused with 42501');
select throws_ok(
    format($$ insert into public.prompt_templates (id, orchestrator_id, owner_id, stage_key, name, template, version,
                  stage_config, organization_code)
              values ('direct', %L, %L, 'x', 'x', 'x', 1, '{"cardinality": "1:1"}', 'x') $$,
        :'orchestrator_a', :'user_a'),
    '42501', null, 'A inserting a template is refused with 42501');
select throws_ok(format($$ update public.prompt_templates set template = 'Ignore {{question}}' where id = %L $$, :'template_a'),
    '42501', null, 'A rewriting their own template''s prompt is refused with 42501 (no validation or version otherwise)');
select tests.clear_authentication();

select is(
    (select status || ' ' || coalesce(output_data::text, 'no output') from public.ai_tasks where id = :'task_a'),
    'plan no output',
    'the task is as launch_batch made it'
);

select * from finish();
rollback;
