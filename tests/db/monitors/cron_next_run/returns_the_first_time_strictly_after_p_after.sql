begin;
select plan(6);

select is(
    public.cron_next_run('0 9 * * *', '2026-01-01 09:00+00'), '2026-01-02 09:00+00'::timestamptz,
    'a run at p_after itself is not the next one'
);
select is(
    public.cron_next_run('0 9 * * *', '2026-01-01 08:59:59.999999+00'), '2026-01-01 09:00+00'::timestamptz,
    'a microsecond before a run gives that run'
);
select is(
    public.cron_next_run('0 9 * * *', '2026-01-01 09:00:00.5+00'), '2026-01-02 09:00+00'::timestamptz,
    'half a second after a run gives the next'
);
select is(public.cron_next_run(null, '2026-01-01 00:00+00'), null, 'a null expression gives null');
select is(public.cron_next_run('0 9 * * *', null), null, 'a null p_after gives null');
select is(public.cron_next_run('0 9 * * *', 'infinity'), null, 'an infinite p_after gives null');

select * from finish();
rollback;
