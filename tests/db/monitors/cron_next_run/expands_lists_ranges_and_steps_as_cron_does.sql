begin;
select plan(5);

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

select is(
    pg_temp.runs('*/7 * * * *', '2026-01-01 12:50+00', 'UTC', 3),
    array['2026-01-01 12:56+00', '2026-01-01 13:00+00', '2026-01-01 13:07+00']::timestamptz [],
    '*/7 restarts at 0 every hour'
);
select is(
    pg_temp.runs('1-30/4 * * * *', '2026-01-01 12:26+00', 'UTC', 3),
    array['2026-01-01 12:29+00', '2026-01-01 13:01+00', '2026-01-01 13:05+00']::timestamptz [],
    '1-30/4 is 1, 5, ..., 29'
);
select is(
    pg_temp.runs('5/15 * * * *', '2026-01-01 12:40+00', 'UTC', 3),
    array['2026-01-01 12:50+00', '2026-01-01 13:05+00', '2026-01-01 13:20+00']::timestamptz [],
    'a value with a step runs to the end of the field: 5/15 is 5, 20, 35, 50'
);
select is(
    pg_temp.runs('0,30 8-10/2,22 * * *', '2026-01-01 10:31+00', 'UTC', 4),
    array['2026-01-01 22:00+00', '2026-01-01 22:30+00', '2026-01-02 08:00+00', '2026-01-02 08:30+00']::timestamptz [],
    'lists mix values and stepped ranges'
);
select is(
    (select row(f.*)::text from orchable._cron_fields('*/20 0-2 1,31 feb-mar 1-5') as f),
    row(
        (1::bigint << 0) | (1::bigint << 20) | (1::bigint << 40), 7::bigint, (1::bigint << 1) | (1::bigint << 31),
        (1::bigint << 2) | (1::bigint << 3), 62::bigint, true, true, false
    )::text,
    'the parser gives a bit mask of the values each field allows, and its flags'
);

select * from finish();
rollback;
