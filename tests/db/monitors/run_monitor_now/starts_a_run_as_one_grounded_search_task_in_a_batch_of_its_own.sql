begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id') as monitor_id \gset
select next_run_at as scheduled from public.monitors where id = :'monitor_id' \gset
select tests.authenticate_as(:'owner_id');
select * from public.run_monitor_now(:'monitor_id') \gset e_
select tests.clear_authentication();

select is(
    (select row(status, dry_run, scheduled_for)::text from public.monitor_executions where id = :'e_id'),
    row('pending', false, null::timestamptz)::text,
    'the execution is pending, not a dry run, for no scheduled time');
select is(
    (select row(t.stage_key, p.stage_config ->> 'kind', t.status, t.batch_id)::text
     from public.ai_tasks as t join public.prompt_templates as p on p.id = t.prompt_template_id
     where t.id = :'e_task_id'),
    row('check', 'grounded_search', 'plan', :'e_batch_id')::text,
    'its task is the grounded_search stage of the owner''s monitor pipeline, in the execution''s batch');
select is(
    (select input_data ->> 'search_query' from public.ai_tasks where id = :'e_task_id'),
    'When will the next iPhone be released?', 'the task asks the monitor''s question');
select is((select next_run_at from public.monitors where id = :'monitor_id'), :'scheduled'::timestamptz,
    'the schedule is left as it was');
select tests.authenticate_as_worker();
select is((select stage_kind from public.claim_tasks('w1', 1)), 'grounded_search', 'the claim hands the worker the stage kind');
select tests.clear_authentication();

select * from finish();
rollback;
