-- A schedule as a monitor or trigger saves it: a cron expression that can fire (any
-- problem raised by orchable._cron_fields, naming the field) in a time zone PostgreSQL
-- knows by its IANA name. cron_next_run itself also takes abbreviations and POSIX zones
-- ('UTC+3' is three hours west); a saved schedule takes names only.
create function orchable._check_schedule(p_schedule text, p_timezone text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_schedule is null or btrim(p_schedule) = '' then
        raise exception 'a schedule is required'
            using errcode = 'OR031', detail = 'fields: no schedule',
            hint = 'give a five-field cron expression such as ''0 9 * * mon-fri'', or @daily';
    end if;
    perform orchable._cron_fields(p_schedule);
    if not exists (select from pg_catalog.pg_timezone_names as z where z.name = p_timezone) then
        raise exception 'unknown time zone %', coalesce(quote_literal(p_timezone), 'null')
            using errcode = 'OR031', detail = format('time zone: %s', coalesce(p_timezone, 'null')),
            hint = 'use an IANA name such as UTC, Europe/Berlin or America/New_York';
    end if;
end
$$;

comment on function orchable._check_schedule(text, text) is
'Raises OR031, naming the field, unless p_schedule is a cron expression that can fire and p_timezone an IANA time zone name.';
