begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'slow') as slow \gset
select tests.add_webhook(:'owner_id', 'gone') as gone \gset
select orchable._notify(:'owner_id', 'monitor.triggered', 's', '{}', null, null);

select tests.authenticate_as_worker();
select delivery_id as slow_delivery, claim_token as slow_token from public.claim_notification_deliveries('w1')
where url is not null order by delivery_id limit 1 \gset
select public.report_notification_delivery(:'slow_delivery', :'slow_token', 'failed', 429, 'slow down', 3600);
select tests.clear_authentication();
select ok((select next_attempt_at >= now() + interval '3600 seconds' from public.notification_deliveries
    where id = :'slow_delivery'), 'a Retry-After longer than the schedule is waited out');

select id as gone_delivery from public.notification_deliveries where id <> :'slow_delivery' \gset
update public.notification_deliveries set status = 'pending', claim_token = null, locked_by = null, locked_until = null
where id = :'gone_delivery';
select tests.authenticate_as_worker();
select claim_token as gone_token from public.claim_notification_deliveries('w1') where delivery_id = :'gone_delivery' \gset
select is(public.report_notification_delivery(:'gone_delivery', :'gone_token', 'gone', 410), 'dead', 'a 410 kills the delivery');
select throws_ok(format($$ select public.report_notification_delivery(%L, %L, 'delivered') $$, :'gone_delivery', :'gone_token'),
    'OR006', null, 'a second report under the same claim raises OR006');
select tests.clear_authentication();
select is((select row(e.is_active, e.disabled_reason)::text from public.notification_endpoints as e
    join public.notification_deliveries as d on d.endpoint_id = e.id where d.id = :'gone_delivery'),
    row(false, 'gone: the receiver answered 410')::text, 'and switches its endpoint off');

select * from finish();
rollback;
