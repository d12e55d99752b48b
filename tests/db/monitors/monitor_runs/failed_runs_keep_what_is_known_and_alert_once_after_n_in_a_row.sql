begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'always', '{"failure_alert_after": 2}') as monitor_id \gset
select id as ok_run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'ok_run', false, '{"price": 5}');
select id as f1 from public.run_monitor_now(:'monitor_id') \gset
select tests.fail_monitor_run(:'f1');
select id as f2 from public.run_monitor_now(:'monitor_id') \gset
select tests.fail_monitor_run(:'f2');
select id as f3 from public.run_monitor_now(:'monitor_id') \gset
select tests.fail_monitor_run(:'f3');

select is(
    (select array_agg(row(status, notified, notify_reason)::text order by started_at, id)
     from public.monitor_executions where monitor_id = :'monitor_id' and id <> :'ok_run'),
    array[row('failed', false, 'failed')::text, row('failed', true, 'failures')::text, row('failed', false, 'failed')::text],
    'the second failure in a row tells the owner, once per streak');
select is((select row(consecutive_failures, last_known_state)::text from public.monitors where id = :'monitor_id'),
    row(3, '{"price": 5}'::jsonb)::text, 'failures are counted and the known state is kept');
select is((select error_message from public.monitor_executions where id = :'f1'), '400: refused',
    'each failed run says why');

select * from finish();
rollback;
