begin;
select plan(4);

create function pg_temp.runs(p_expr text, p_after timestamptz, p_timezone text, p_count integer)
returns timestamptz []
language sql
as $$
    with recursive r (n, at) as (
        select 1, public.cron_next_run(p_expr, p_after, p_timezone)
        union all
        select r.n + 1, public.cron_next_run(p_expr, r.at, p_timezone) from r where r.n < p_count
    )
    select array_agg(r.at order by r.n) from r
$$;

-- Europe/Berlin goes from 03:00 CEST back to 02:00 CET on 25 October 2026.
select is(
    pg_temp.runs('30 * * * *', '2026-10-25 00:00+00', 'Europe/Berlin', 3),
    array['2026-10-25 02:30+02', '2026-10-25 02:30+01', '2026-10-25 03:30+01']::timestamptz [],
    'an hourly schedule runs at 02:30 in both passes'
);
select is(
    pg_temp.runs('0 */1 * * *', '2026-10-24 23:00+00', 'Europe/Berlin', 3),
    array['2026-10-25 02:00+02', '2026-10-25 02:00+01', '2026-10-25 03:00+01']::timestamptz [],
    'an hour field starting with * runs in both passes'
);
select is(
    pg_temp.runs('*/30 2 * * *', '2026-10-24 23:00+00', 'Europe/Berlin', 5),
    array[
        '2026-10-25 02:00+02', '2026-10-25 02:30+02', '2026-10-25 02:00+01', '2026-10-25 02:30+01',
        '2026-10-26 02:00+01'
    ]::timestamptz [],
    'a minute field starting with * runs in both passes of its hour'
);
-- Australia/Lord_Howe goes from 02:00 (+11) back to 01:30 (+10:30) on 5 April 2026.
select is(
    pg_temp.runs('*/20 * * * *', '2026-04-05 01:15+11', 'Australia/Lord_Howe', 5),
    array[
        '2026-04-05 01:20+11', '2026-04-05 01:40+11', '2026-04-05 01:40+10:30', '2026-04-05 02:00+10:30',
        '2026-04-05 02:20+10:30'
    ]::timestamptz [],
    'Lord Howe: the repeated half hour runs twice'
);

select * from finish();
rollback;
