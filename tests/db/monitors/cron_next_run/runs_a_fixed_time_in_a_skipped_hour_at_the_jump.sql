begin;
select plan(4);

-- The first p_count runs after p_after, each asked from the one before.
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

-- Europe/Berlin skips 02:00-03:00 on 29 March 2026.
select is(
    pg_temp.runs('30 2 * * *', '2026-03-28 12:00+00', 'Europe/Berlin', 2),
    array['2026-03-29 03:00+02', '2026-03-30 02:30+02']::timestamptz [],
    'Berlin: 02:30 on the day the clock skips 02:00-03:00 runs at 03:00, once'
);
-- America/New_York skips 02:00-03:00 on 8 March 2026.
select is(
    pg_temp.runs('30 2 * * *', '2026-03-07 12:00+00', 'America/New_York', 2),
    array['2026-03-08 03:00-04', '2026-03-09 02:30-04']::timestamptz [],
    'New York: 02:30 runs at 03:00 on the day of the jump'
);
-- Australia/Lord_Howe moves from +10:30 to +11 at 02:00, skipping half an hour.
select is(
    pg_temp.runs('15 2 * * *', '2026-10-03 00:00+00', 'Australia/Lord_Howe', 2),
    array['2026-10-04 02:30+11', '2026-10-05 02:15+11']::timestamptz [],
    'Lord Howe: 02:15 in the skipped half hour runs at 02:30'
);
-- America/Santiago skips midnight: 6 September 2026 starts at 01:00.
select is(
    pg_temp.runs('0 0 * * *', '2026-09-05 12:00+00', 'America/Santiago', 2),
    array['2026-09-06 01:00-03', '2026-09-07 00:00-03']::timestamptz [],
    'Santiago: midnight on a day that starts at 01:00 runs at 01:00'
);

select * from finish();
rollback;
