begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id', 'once') as monitor_id \gset
select id as run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'run', true, '{"release_date": "tomorrow"}', false);

select is((select row(status, grounded, notified, notify_reason)::text from public.monitor_executions where id = :'run'),
    row('success', false, false, 'ungrounded')::text, 'an answer without grounding notifies no one, saying why');
select is((select row(state, condition_met, last_known_state)::text from public.monitors where id = :'monitor_id'),
    row('active', false, null::jsonb)::text, 'and the monitor knows nothing more than before');

update public.monitors set config = '{"notify_ungrounded": true}' where id = :'monitor_id';
select id as trusting from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'trusting', true, '{"release_date": "tomorrow"}', false);
select is((select notify_reason from public.monitor_executions where id = :'trusting'), 'condition_met',
    'unless its config says notify_ungrounded');

select * from finish();
rollback;
