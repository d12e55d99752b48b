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
    pg_temp.runs('30 2 * * *', '2026-10-24 12:00+00', 'Europe/Berlin', 2),
    array['2026-10-25 02:30+02', '2026-10-26 02:30+01']::timestamptz [],
    '02:30 runs in the first pass of the repeated hour only'
);
select is(
    pg_temp.runs('0 1-3 * * *', '2026-10-24 23:00+00', 'Europe/Berlin', 3),
    array['2026-10-25 02:00+02', '2026-10-25 03:00+01', '2026-10-26 01:00+01']::timestamptz [],
    'an hour range (not starting with *) is fixed-time: 02:00 runs once'
);
select is(
    public.cron_next_run('45 2 * * *', '2026-10-25 02:10+01', 'Europe/Berlin'),
    '2026-10-26 02:45+01'::timestamptz,
    'asked from the second pass, the 02:45 that ran in the first pass is not run again'
);
-- America/New_York goes from 02:00 EDT back to 01:00 EST on 1 November 2026.
select is(
    pg_temp.runs('30 1 * * *', '2026-10-31 12:00+00', 'America/New_York', 2),
    array['2026-11-01 01:30-04', '2026-11-02 01:30-05']::timestamptz [],
    'New York: 01:30 runs once, in daylight time'
);

select * from finish();
rollback;
