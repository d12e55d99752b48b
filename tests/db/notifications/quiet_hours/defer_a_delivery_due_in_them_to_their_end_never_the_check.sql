begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select id as hook from public.add_notification_endpoint('webhook', 'night', p_url => 'https://r.example.test',
    p_quiet_hours_start => '22:00', p_quiet_hours_end => '07:00', p_quiet_hours_timezone => 'Europe/Berlin',
    p_owner_id => :'owner_id') \gset

select is(orchable._quiet_until(e, '2026-12-07 23:30 Europe/Berlin'), '2026-12-08 07:00 Europe/Berlin'::timestamptz,
    'late evening waits for the morning')
from public.notification_endpoints as e where e.id = :'hook';
select is(orchable._quiet_until(e, '2026-12-08 03:00 Europe/Berlin'), '2026-12-08 07:00 Europe/Berlin'::timestamptz,
    'the small hours wait for the same morning')
from public.notification_endpoints as e where e.id = :'hook';
select is(orchable._quiet_until(e, '2026-12-08 12:00 Europe/Berlin'), '2026-12-08 12:00 Europe/Berlin'::timestamptz,
    'midday goes at once')
from public.notification_endpoints as e where e.id = :'hook';
select is(orchable._quiet_until(e, '2027-03-28 01:30 Europe/Berlin'), '2027-03-28 07:00 Europe/Berlin'::timestamptz,
    'the end is read on the local clock across a daylight-saving change')
from public.notification_endpoints as e where e.id = :'hook';

select * from finish();
rollback;
