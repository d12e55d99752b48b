-- SECURITY DEFINER: the schedule is read by private functions, out of the API roles'
-- reach (orchable._cron_next_run, which says how); this function reads no table and
-- writes nothing. An unknown zone raises OR031 here, for a person previewing a schedule;
-- the scheduler calls orchable._cron_next_run without this check's savepoint.
create function orchable_rpc.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
returns timestamptz
language plpgsql
stable
strict
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    begin
        perform timezone(p_timezone, now());
    exception when invalid_parameter_value then
        raise exception 'unknown time zone %', quote_literal(p_timezone)
            using errcode = 'OR031',
            detail = format('time zone: %s is not a time zone PostgreSQL knows', quote_literal(p_timezone)),
            hint = 'use an IANA time zone name, such as ''Europe/Berlin'' or ''UTC'' (see pg_timezone_names)';
    end;
    return orchable._cron_next_run(p_expr, p_after, p_timezone);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above.
create function public.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
returns timestamptz
language plpgsql
stable
strict
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cron_next_run(p_expr, p_after, p_timezone);
end
$$;

comment on function orchable_rpc.cron_next_run(text, timestamptz, text) is
'The implementation of public.cron_next_run, run with its owner''s rights (the parser is private); callable by the roles that may call public.cron_next_run.';

comment on function public.cron_next_run(text, timestamptz, text) is
'The first time strictly after p_after that a five-field cron expression fires, in time zone p_timezone (UTC by default). Fields: minute hour day-of-month month day-of-week, with lists, ranges, steps, month and weekday names, 7 as Sunday, and the macros @yearly @annually @monthly @weekly @daily @midnight @hourly; when both day fields are restricted a day matching either runs. Daylight saving follows Debian cron (and the cronsim package): a fixed time in a skipped hour runs at the jump, a fixed time in a repeated hour runs once, a schedule whose minute or hour field starts with * runs in both passes of a repeated hour. A malformed expression, one that can never fire, or an unknown time zone raises OR031 naming the field; null for a null argument or an infinite p_after.';

revoke all on function orchable_rpc.cron_next_run(text, timestamptz, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cron_next_run(text, timestamptz, text)
to authenticated, service_role;
revoke all on function public.cron_next_run(text, timestamptz, text)
from public, anon, authenticated, service_role;
grant execute on function public.cron_next_run(text, timestamptz, text)
to authenticated, service_role;
