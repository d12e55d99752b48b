begin;
select plan(13);

-- 1 January 2026 is a Thursday; 4 January a Sunday.
select is(public.cron_next_run('0 0 * * 7', '2026-01-01 00:00+00'), '2026-01-04 00:00+00'::timestamptz, '7 is Sunday');
select is(public.cron_next_run('0 0 * * 0', '2026-01-01 00:00+00'), '2026-01-04 00:00+00'::timestamptz, '0 is Sunday');
select is(public.cron_next_run('0 0 * * SUN', '2026-01-01 00:00+00'), '2026-01-04 00:00+00'::timestamptz, 'SUN is Sunday');
select is(
    public.cron_next_run('0 9 * * Mon-Fri', '2026-01-02 12:00+00', 'Europe/Berlin'), '2026-01-05 09:00+01'::timestamptz,
    'weekday names in any case, in a range: Friday afternoon gives Monday 09:00'
);
select is(
    public.cron_next_run('0 0 * * 5-7', '2026-01-03 00:00+00'), '2026-01-04 00:00+00'::timestamptz,
    'a range may end at 7'
);
select is(
    public.cron_next_run('0 0 1 jan-mar/2 *', '2026-01-01 00:00+00'), '2026-03-01 00:00+00'::timestamptz,
    'month names in a stepped range'
);
select is(public.cron_next_run('@yearly', '2026-06-01 00:00+00'), '2027-01-01 00:00+00'::timestamptz, '@yearly');
select is(public.cron_next_run('@annually', '2026-06-01 00:00+00'), '2027-01-01 00:00+00'::timestamptz, '@annually');
select is(public.cron_next_run('@monthly', '2026-06-01 00:00+00'), '2026-07-01 00:00+00'::timestamptz, '@monthly');
select is(public.cron_next_run('@weekly', '2026-01-01 00:00+00'), '2026-01-04 00:00+00'::timestamptz, '@weekly, on Sunday');
select is(public.cron_next_run('@daily', '2026-06-01 00:00+00'), '2026-06-02 00:00+00'::timestamptz, '@daily');
select is(public.cron_next_run('@midnight', '2026-06-01 00:00+00'), '2026-06-02 00:00+00'::timestamptz, '@midnight');
select is(public.cron_next_run('@hourly', '2026-06-01 00:00+00'), '2026-06-01 01:00+00'::timestamptz, '@hourly');

select * from finish();
rollback;
