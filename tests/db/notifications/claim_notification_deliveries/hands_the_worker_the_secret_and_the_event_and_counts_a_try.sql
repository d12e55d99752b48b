begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select * from public.add_notification_endpoint('webhook', 'crm', p_url => 'https://crm.example.test/hooks',
    p_owner_id => :'owner_id') \gset e_
select orchable._notify(:'owner_id', 'monitor.triggered', 'it happened', '{"x": 1}', null, null) as notification_id \gset

select tests.authenticate_as(:'owner_id');
select throws_ok($$ select * from public.claim_notification_deliveries('w1') $$, '42501', null,
    'a signed-in user cannot claim deliveries');
select tests.authenticate_as_worker();
select * from public.claim_notification_deliveries('w1', 10, 60) \gset c_
select is((select count(*)::integer from public.claim_notification_deliveries('w2', 10, 60)), 0,
    'a claimed delivery is not handed to a second worker');
select tests.clear_authentication();

select is(row(:'c_attempt', :'c_endpoint_kind', :'c_url', :'c_secret', :'c_notification_id', :'c_payload')::text,
    row(1, 'webhook', 'https://crm.example.test/hooks', :'e_secret', :'notification_id', '{"x": 1}')::text,
    'the worker gets where (with the signing secret), what, and that it is the first try');
select is((select row(status, attempts, locked_by)::text from public.notification_deliveries where id = :'c_delivery_id'),
    row('delivering', 1, 'w1')::text, 'the delivery is leased to the worker');

select * from finish();
rollback;
