begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'once') as monitor_id \gset
select id as first_run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'first_run', false, '{"release_date": null}');
select is(
    (select row(status, notified, notify_reason, condition_met, grounded)::text
     from public.monitor_executions where id = :'first_run'),
    row('success', false, 'condition_not_met', false, true)::text,
    'a run whose condition is not met notifies no one');

select id as second_run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'second_run', true, '{"release_date": "Sept 19"}');
select is(
    (select row(notified, notify_reason, change_summary, search_queries)::text
     from public.monitor_executions where id = :'second_run'),
    row(true, 'condition_met', 'release_date: none -> sept 19', array['next iphone release date'])::text,
    'the first run that finds it met notifies, saying what changed and what it searched');
select is(
    (select row(state, condition_met, last_known_state, next_run_at, last_notified_at is not null)::text
     from public.monitors where id = :'monitor_id'),
    row('completed', true, '{"release_date": "Sept 19"}'::jsonb, null::timestamptz, true)::text,
    'the monitor is completed, knows what was found and when it notified');

select id as third_run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'third_run', true, '{"release_date": "Sept 19"}');
select is((select row(notified, notify_reason)::text from public.monitor_executions where id = :'third_run'),
    row(false, 'already_notified')::text, 'a later run of the completed monitor does not notify again');
select is((select count(*)::integer from public.monitor_executions where monitor_id = :'monitor_id' and notified), 1,
    'one notification for one event');

select * from finish();
rollback;
