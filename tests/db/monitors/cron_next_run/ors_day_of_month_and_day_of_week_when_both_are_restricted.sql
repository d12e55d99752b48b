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

-- 1 January 2026 is a Thursday.
select is(
    pg_temp.runs('0 0 1,15 * 5', '2026-01-01 00:00+00', 'UTC', 5),
    array[
        '2026-01-02 00:00+00', '2026-01-09 00:00+00', '2026-01-15 00:00+00', '2026-01-16 00:00+00',
        '2026-01-23 00:00+00'
    ]::timestamptz [],
    'the 1st and 15th or any Friday: Fridays and Thursday the 15th'
);
select is(
    pg_temp.runs('0 0 13 * fri', '2026-01-01 00:00+00', 'UTC', 3),
    array['2026-01-02 00:00+00', '2026-01-09 00:00+00', '2026-01-13 00:00+00']::timestamptz [],
    'the 13th or a Friday, not only Friday the 13th'
);
select is(
    pg_temp.runs('0 0 */2 * 5', '2026-01-01 00:00+00', 'UTC', 3),
    array['2026-01-09 00:00+00', '2026-01-23 00:00+00', '2026-02-13 00:00+00']::timestamptz [],
    'a day-of-month field starting with * does not restrict: odd days that are Fridays'
);
select is(
    pg_temp.runs('0 0 1 * *', '2026-01-01 00:00+00', 'UTC', 2),
    array['2026-02-01 00:00+00', '2026-03-01 00:00+00']::timestamptz [],
    'with the day of week *, only the day of month counts'
);

select * from finish();
rollback;
