begin;
select plan(2);

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

-- Pacific/Chatham goes from 03:45 (+13:45) back to 02:45 (+12:45) on 5 April 2026. cronsim,
-- stepping to the top of hour 2 from the second pass, lands before the transition and
-- repeats 03:00-03:44 (+13:45) for ever; the runs go on through the second pass instead.
select is(
    pg_temp.runs('*/11 3 * * *', '2026-04-05 03:30+13:45', 'Pacific/Chatham', 9),
    array[
        '2026-04-05 03:33+13:45', '2026-04-05 03:44+13:45', '2026-04-05 03:00+12:45', '2026-04-05 03:11+12:45',
        '2026-04-05 03:22+12:45', '2026-04-05 03:33+12:45', '2026-04-05 03:44+12:45', '2026-04-05 03:55+12:45',
        '2026-04-06 03:00+12:45'
    ]::timestamptz [],
    'a minute step in hour 3 runs through both passes of 03:00-03:44 and on to the next day'
);
select is(
    public.cron_next_run('0 */3 * * *', '2026-04-05 02:50+12:45', 'Pacific/Chatham'),
    '2026-04-05 03:00+12:45'::timestamptz,
    'from the second pass, an hour step runs at the next wall hour that matches'
);

select * from finish();
rollback;
