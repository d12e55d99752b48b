begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'track_state') as monitor_id \gset
select id as a from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'a', false, '{"price": "$999", "stock": "in stock"}');
select id as b from public.run_monitor_now(:'monitor_id') \gset
-- The same facts, written differently: no change.
select tests.settle_monitor_run(:'b', false, '{"Price": " $999 ", "stock": "In  Stock", "note": null}');
select id as c from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'c', false, '{"price": "$899", "stock": "in stock"}');

select is(
    (select array_agg(notify_reason order by started_at, id) from public.monitor_executions where monitor_id = :'monitor_id'),
    array['first_state', 'unchanged', 'state_changed'],
    'the first run sets the state, a run that finds it again (normalized) is unchanged, a change notifies');
select is((select change_summary from public.monitor_executions where id = :'c'), 'price: $999 -> $899',
    'the change is summarized key by key');

select * from finish();
rollback;
