begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'a') as hook_a \gset
select tests.add_webhook(:'owner_id', 'b') as hook_b \gset
select id as mail from public.add_notification_endpoint('email', 'me', p_email_address => 'me@example.test', p_owner_id => :'owner_id') \gset
update public.notification_endpoints set is_active = false where id = :'hook_b';
select tests.create_monitor(:'owner_id', 'always') as monitor_id \gset

select id as quiet_run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'quiet_run', false, '{"price": 1}');
select is((select count(*)::integer from public.notifications), 0, 'a run that does not notify writes no notification');

select id as run from public.run_monitor_now(:'monitor_id') \gset
select tests.settle_monitor_run(:'run', true, '{"price": 2}');
select is(
    (select row(kind, subject, payload -> 'execution' ->> 'change_summary', monitor_execution_id)::text
     from public.notifications),
    row('monitor.triggered', 'iphone: what the sources say', 'price: 1 -> 2', :'run')::text,
    'a run that notifies writes its notification in the same transaction');
select set_eq(
    $$ select endpoint_id from public.notification_deliveries where status = 'pending' $$,
    array[:'hook_a'::uuid, :'mail'::uuid],
    'one pending delivery to each active endpoint');
select is((select count(*)::integer from public.notification_deliveries where next_attempt_at <= now()), 2,
    'due at once');

select * from finish();
rollback;
