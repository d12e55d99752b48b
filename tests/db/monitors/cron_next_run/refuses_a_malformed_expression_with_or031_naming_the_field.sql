begin;
select plan(19);

-- The code and the field a refusal names (the start of its detail, up to the colon).
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
    $$ select public.cron_next_run('60 * * * *', '2026-01-01 00:00+00') $$,
    'OR031', null, 'a minute of 60 is refused with OR031'
);
select throws_ok(
    $$ select * from orchable._cron_fields('60 * * * *') $$,
    'OR031', null, 'the parser refuses it with OR031 too'
);
select is(pg_temp.refusal('60 * * * *'), 'OR031 minute', 'a minute out of range names the minute field');
select is(pg_temp.refusal('1,,2 * * * *'), 'OR031 minute', 'an empty list item names the minute field');
select is(pg_temp.refusal('*/0 * * * *'), 'OR031 minute', 'a step of zero names the minute field');
select is(pg_temp.refusal('mon * * * *'), 'OR031 minute', 'a weekday name in the minute field names it');
select is(pg_temp.refusal('0 24 * * *'), 'OR031 hour', 'an hour out of range names the hour field');
select is(pg_temp.refusal('0 5-2 * * *'), 'OR031 hour', 'a range that runs backwards names the hour field');
select is(pg_temp.refusal('0 0 0 * *'), 'OR031 day of month', 'a day of month of 0 names the day-of-month field');
select is(pg_temp.refusal('0 0 L * *'), 'OR031 day of month', 'cronsim''s L (last day) is refused');
select is(pg_temp.refusal('0 0 * 13 *'), 'OR031 month', 'a month out of range names the month field');
select is(pg_temp.refusal('0 0 * foo *'), 'OR031 month', 'an unknown month name names the month field');
select is(pg_temp.refusal('0 0 * * 8'), 'OR031 day of week', 'a day of week of 8 names the day-of-week field');
select is(pg_temp.refusal('0 0 * * 5#2'), 'OR031 day of week', 'cronsim''s # (nth weekday) is refused');
select is(pg_temp.refusal('0 0 * *'), 'OR031 fields', 'four fields are refused');
select is(pg_temp.refusal('0 0 0 * * *'), 'OR031 fields', 'six fields (a seconds field) are refused');
select is(pg_temp.refusal(''), 'OR031 fields', 'an empty expression is refused');
select is(pg_temp.refusal('@reboot'), 'OR031 macro', 'a macro that is not a schedule is refused');
select is(pg_temp.refusal('*/15 9-17 * * mon-fri'), 'no error', 'a well-formed expression passes');

select * from finish();
rollback;
