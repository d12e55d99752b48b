begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select * from public.create_monitor(
    'iphone', 'When will the next iPhone be released?', 'A release date has been announced',
    '0 9 * * mon-fri', 'Europe/Berlin'
) \gset m_
select tests.clear_authentication();

select is(:'m_owner_id'::uuid, :'owner_id'::uuid, 'the monitor is the signed-in user''s');
select is(:'m_state'::text, 'active', 'it is active');
select is(:'m_next_run_at'::timestamptz, public.cron_next_run('0 9 * * mon-fri', now(), 'Europe/Berlin'),
    'its first run is the schedule''s next time from now, in its zone');
select is(
    (select to_char(:'m_next_run_at'::timestamptz at time zone 'Europe/Berlin', 'HH24:MI ID')::text ~ '^09:00 [1-5]$'),
    true, 'which is 9:00 on a weekday in Berlin');

select * from finish();
rollback;
