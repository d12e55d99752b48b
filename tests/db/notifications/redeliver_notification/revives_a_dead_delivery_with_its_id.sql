begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as hook \gset
select orchable._notify(:'owner_id', 'monitor.triggered', 's', '{}', null, null);
select id as delivery_id from public.notification_deliveries \gset
update public.notification_deliveries set status = 'dead', attempts = 10, last_error = 'down' where id = :'delivery_id';

select tests.authenticate_as(:'owner_id');
select public.redeliver_notification(:'delivery_id');
select throws_ok(format('select public.redeliver_notification(%L)', :'delivery_id'), 'OR007', null,
    'a delivery that is not dead is not redelivered');
select tests.clear_authentication();
select is((select row(id, status, attempts)::text from public.notification_deliveries where id = :'delivery_id'),
    row(:'delivery_id'::uuid, 'pending', 0)::text, 'the dead delivery is pending again, same id, tries counted afresh');

select tests.create_user('other@example.test') as other_id \gset
select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.redeliver_notification(%L)', :'delivery_id'), 'OR037', null,
    'another user cannot redeliver it');
select tests.clear_authentication();

select * from finish();
rollback;
