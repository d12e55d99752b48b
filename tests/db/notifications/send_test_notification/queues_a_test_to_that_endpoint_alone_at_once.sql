begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'a') as hook_a \gset
select tests.add_webhook(:'owner_id', 'b') as hook_b \gset
update public.notification_endpoints
set quiet_hours_start = localtime - interval '1 hour', quiet_hours_end = localtime + interval '1 hour',
    quiet_hours_timezone = current_setting('timezone')
where id = :'hook_a';

select tests.authenticate_as(:'owner_id');
select public.send_test_notification(:'hook_a') as notification_id \gset
select tests.clear_authentication();
select is(
    (select array_agg(row(endpoint_id, status, next_attempt_at <= now())::text) from public.notification_deliveries
     where notification_id = :'notification_id'),
    array[row(:'hook_a'::uuid, 'pending', true)::text],
    'one delivery, to that endpoint alone, due at once even in its quiet hours');
select is((select kind from public.notifications where id = :'notification_id'), 'endpoint.test', 'of kind endpoint.test');

select tests.create_user('other@example.test') as other_id \gset
select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.send_test_notification(%L)', :'hook_b'), 'OR038', null,
    'another user cannot test it');
select tests.clear_authentication();

select * from finish();
rollback;
