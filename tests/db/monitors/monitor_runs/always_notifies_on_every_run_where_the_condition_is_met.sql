begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'always') as monitor_id \gset
select id as a from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'a', true, '{"price": 899}');
select id as b from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'b', true, '{"price": 899}');
select id as c from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'c', false, '{"price": 999}');

select is(
    (select array_agg(notify_reason order by started_at, id) from public.monitor_executions where monitor_id = :'monitor_id'),
    array['condition_met', 'condition_met', 'condition_not_met'],
    'every run where the condition is met notifies, unchanged or not');
select is((select row(state, condition_met)::text from public.monitors where id = :'monitor_id'),
    row('active', false)::text, 'the monitor stays active and knows the last verdict');

select * from finish();
rollback;
