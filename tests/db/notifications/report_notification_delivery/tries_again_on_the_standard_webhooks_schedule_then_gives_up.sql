begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as hook \gset
select orchable._notify(:'owner_id', 'monitor.triggered', 's', '{}', null, null);
select id as delivery_id from public.notification_deliveries \gset

-- A worker claims and fails it once.
select tests.authenticate_as_worker();
select claim_token from public.claim_notification_deliveries('w1') \gset
select public.report_notification_delivery(:'delivery_id', :'claim_token', 'failed', 503, 'unavailable') as status \gset
select tests.clear_authentication();
select is(:'status'::text, 'pending', 'a failed try leaves it pending');
select ok((select next_attempt_at between now() + interval '4.5 seconds' and now() + interval '5.5 seconds'
    from public.notification_deliveries where id = :'delivery_id'), 'the second try is 5 s later, with jitter');

-- Eight more failures: each waits longer; the ninth waits 24 h.
update public.notification_deliveries set attempts = 9, status = 'delivering', claim_token = gen_random_uuid(),
    locked_until = now() + interval '1 minute', locked_by = 'w1' where id = :'delivery_id'
returning claim_token as token9 \gset
select public.report_notification_delivery(:'delivery_id', :'token9', 'failed', 500, 'still down');
select ok((select next_attempt_at between now() + interval '21.5 hours' and now() + interval '26.5 hours'
    from public.notification_deliveries where id = :'delivery_id'), 'after the ninth try it waits about 24 h');

update public.notification_deliveries set attempts = 10, status = 'delivering', claim_token = gen_random_uuid(),
    locked_until = now() + interval '1 minute', locked_by = 'w1' where id = :'delivery_id'
returning claim_token as token10 \gset
select is(public.report_notification_delivery(:'delivery_id', :'token10', 'failed', 500, 'gone for good?'), 'dead',
    'after the tenth it is dead');
select is((select row(status, last_status_code, last_error)::text from public.notification_deliveries where id = :'delivery_id'),
    row('dead', 500, 'gone for good?')::text, 'kept with its last error');

select * from finish();
rollback;
