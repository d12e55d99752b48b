begin;
select plan(7);

create function pg_temp.refusal(p_expr text)
returns text
language plpgsql
as $$
declare
    v_state text;
    v_detail text;
begin
    perform public.cron_next_run(p_expr, '2026-01-01 00:00+00');
    return 'no error';
exception when others then
    get stacked diagnostics v_state = returned_sqlstate, v_detail = pg_exception_detail;
    return v_state || ' ' || split_part(v_detail, ':', 1);
end
$$;

select throws_ok(
    $$ select public.cron_next_run('0 0 30 2 *', '2026-01-01 00:00+00') $$,
    'OR031', null, '30 February is refused with OR031'
);
select is(pg_temp.refusal('0 0 30 2 *'), 'OR031 day of month', '30 February names the day-of-month field');
select is(pg_temp.refusal('0 0 31 4 *'), 'OR031 day of month', '31 April names the day-of-month field');
select is(
    pg_temp.refusal('0 0 31 2,4,6,9,11 */2'), 'OR031 day of month',
    'the 31st of months that have 30 days or fewer, on a day of week starting with *, is refused'
);
select is(
    public.cron_next_run('0 0 29 2 *', '2026-01-01 00:00+00'), '2028-02-29 00:00+00'::timestamptz,
    '29 February fires in the next leap year'
);
select is(
    public.cron_next_run('0 0 30 2 mon', '2026-01-01 00:00+00'), '2026-02-02 00:00+00'::timestamptz,
    '30 February or a Monday fires on the Mondays of February'
);
select is(
    public.cron_next_run('0 0 31 * *', '2026-04-01 00:00+00'), '2026-05-31 00:00+00'::timestamptz,
    'the 31st fires in the months that have one'
);

select * from finish();
rollback;
