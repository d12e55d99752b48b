begin;
select plan(4);

select throws_ok(
    $$ select public.cron_next_run('0 9 * * *', '2026-01-01 00:00+00', 'Mars/Olympus_Mons') $$,
    'OR031', null, 'an unknown time zone is refused with OR031'
);
select throws_ok(
    $$ select public.cron_next_run('0 9 * * *', '2026-01-01 00:00+00', '') $$,
    'OR031', null, 'an empty time zone is refused with OR031'
);
select is(
    public.cron_next_run('0 9 * * *', '2026-01-01 00:00+00'), '2026-01-01 09:00+00'::timestamptz,
    'the time zone defaults to UTC'
);
select is(
    public.cron_next_run('0 9 * * *', '2026-01-01 00:00+00', 'Asia/Kolkata'), '2026-01-01 09:00+05:30'::timestamptz,
    'a schedule runs on the wall clock of its time zone'
);

select * from finish();
rollback;
