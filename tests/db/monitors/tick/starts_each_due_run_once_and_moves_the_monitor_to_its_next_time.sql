begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id') as due_id \gset
select tests.create_monitor(:'owner_id') as later_id \gset
-- Due a week ago, missed ever since: one run, not one per missed time.
update public.monitors set next_run_at = now() - interval '7 days' where id = :'due_id';
update public.monitors set next_run_at = now() + interval '1 hour' where id = :'later_id';

select is((select row(monitor_runs, trigger_launches)::text from public.tick()), row(1, 0)::text,
    'tick starts the one due run');
select is((select count(*)::integer from public.monitor_executions where monitor_id = :'due_id'), 1,
    'runs missed while nothing ticked collapse into one');
select is((select scheduled_for from public.monitor_executions where monitor_id = :'due_id'),
    now() - interval '7 days', 'the run is for the time it was due');
select is((select next_run_at from public.monitors where id = :'due_id'),
    public.cron_next_run('0 9 * * mon-fri', now(), 'Europe/Berlin'), 'the monitor moves to its next time after now');
select is((select monitor_runs from public.tick()), 0, 'a second tick starts nothing');

select * from finish();
rollback;
