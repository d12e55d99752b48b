begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'always') as monitor_id \gset
select tests.authenticate_as(:'owner_id');
select id as dry from public.run_monitor_now(:'monitor_id', p_notify => false) \gset
select tests.clear_authentication();
select tests.settle_monitor_run(:'dry', true, '{"price": 1}');
select is((select row(dry_run, notified, notify_reason)::text from public.monitor_executions where id = :'dry'),
    row(true, false, 'dry_run')::text, 'a dry run notifies no one');
select is((select row(condition_met, last_known_state)::text from public.monitors where id = :'monitor_id'),
    row(false, null::jsonb)::text, 'and changes nothing the monitor knows');

update public.monitors set muted = true where id = :'monitor_id';
select id as muted from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'muted', true, '{"price": 1}');
select is((select notify_reason from public.monitor_executions where id = :'muted'), 'muted', 'a muted monitor notifies no one');

update public.monitors set muted = false, snoozed_until = now() + interval '1 day' where id = :'monitor_id';
select id as snoozed from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'snoozed', true, '{"price": 1}');
select is((select notify_reason from public.monitor_executions where id = :'snoozed'), 'snoozed', 'nor does a snoozed one');

select * from finish();
rollback;
