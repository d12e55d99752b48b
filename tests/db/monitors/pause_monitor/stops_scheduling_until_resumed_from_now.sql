begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id') as monitor_id \gset
select tests.authenticate_as(:'owner_id');
select public.pause_monitor(:'monitor_id');
select tests.clear_authentication();
select is((select row(state, next_run_at)::text from public.monitors where id = :'monitor_id'),
    row('paused', null::timestamptz)::text, 'a paused monitor has no next run');
select is((select monitor_runs from public.tick(now() + interval '30 days')), 0, 'tick starts nothing for it');

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.pause_monitor(%L)', :'monitor_id'), 'OR007', null,
    'pausing it again raises OR007');
select public.resume_monitor(:'monitor_id');
select tests.clear_authentication();
select is((select row(state, next_run_at)::text from public.monitors where id = :'monitor_id'),
    row('active', public.cron_next_run('0 9 * * mon-fri', now(), 'Europe/Berlin'))::text,
    'resumed, it is scheduled from now');

select tests.create_user('other@example.test') as other_id \gset
select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.pause_monitor(%L)', :'monitor_id'), 'OR034', null,
    'another user cannot pause it: OR034, as for a monitor that does not exist');
select tests.clear_authentication();

select * from finish();
rollback;
