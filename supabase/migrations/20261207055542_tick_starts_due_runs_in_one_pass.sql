-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/monitors/0895__cron_next_run.sql
-- When a cron schedule next fires after p_after, in p_timezone, by the rules of cronsim
-- (the Python package, which follows Debian cron). The search steps field by field on the
-- local wall clock, as cronsim does: to the next allowed month, the next matching day, hour,
-- minute. Daylight saving, as cronsim has it:
--   * A fixed-time schedule (neither the minute nor the hour field starts with *) is searched
--     on the wall clock alone. A time the clock skips runs at the jump (the first minute that
--     exists after it); a time the clock repeats runs once, at its first occurrence.
--   * Any other schedule walks real time: each step moves the instant and reads the wall
--     clock again, so a repeated hour runs twice and a skipped one never.
-- On a day far from any transition both are plain wall-clock arithmetic. On a day near one,
-- the zone is modelled by its two offsets and the instant of the change (found once, by
-- bisection), and cronsim's steps are replayed an hour or a minute at a time, reading skipped
-- and repeated wall times as Python does (fold 0: the offset before the change).
-- Where cronsim answers with a time at or before p_after, it is not followed:
--   * A fixed-time schedule asked from the second pass of a repeated hour: the times left in
--     that hour ran in the first pass; the next run is after the repeated time.
--   * A schedule that is not fixed-time, when cronsim's step back to the top of the hour
--     crosses a transition not on the hour (Pacific/Chatham's at :45) and it goes back in
--     time for ever: the runs are the wall times that match, instant by instant, up to two
--     hours past the repeated time, and cronsim's steps from there.
create or replace function orchable._cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
returns timestamptz
language plpgsql
stable
strict
set search_path = pg_catalog, pg_temp
as $$
declare
    v_minutes bigint;
    v_hours bigint;
    v_days bigint;
    v_months bigint;
    v_weekdays bigint;
    v_days_or boolean;
    v_fixed_time boolean;
    v_single_minute integer;
    -- Instants are timestamps in UTC, wall-clock times timestamps in p_timezone.
    v_after timestamp;
    v_start timestamp;
    v_w timestamp;
    v_fold boolean := false;
    v_u timestamp;
    v_aware boolean;
    v_literal boolean := false;
    v_step text;
    v_phase integer := 0;
    v_start_year integer;
    v_passes integer := 0;
    -- The zone around local day v_model_day: offset v_o1 before instant v_t, v_o2 from it on
    -- (v_t = -infinity when the offset holds the whole window).
    v_model_day date;
    v_o1 interval;
    v_o2 interval;
    v_t timestamp;
    v_lo timestamp;
    v_hi timestamp;
    v_mid timestamp;
    -- The search after cronsim went back in time.
    v_fallback_t timestamp;
    v_fallback_o1 interval;
    v_fallback_o2 interval;
    v_fallback_end timestamp;
    v_segment_offset interval;
    v_segment_end timestamp;
    v_last timestamp;
    v_result timestamp;
    v_value integer;
    v_bits bigint;
    v_first timestamp;
    v_weekday integer;
    v_rotated bigint;
begin
    if not isfinite(p_after) then
        return null;
    end if;
    select f.minutes, f.hours, f.days, f.months, f.weekdays, f.dom_restricted and f.dow_restricted, f.fixed_time
    into v_minutes, v_hours, v_days, v_months, v_weekdays, v_days_or, v_fixed_time
    from orchable._cron_fields(p_expr) as f;
    v_single_minute := case when v_minutes & (v_minutes - 1) = 0
        then bit_count(((v_minutes & -v_minutes) - 1)::bit(64))::integer else -1 end;

    v_after := timezone('UTC', p_after);
    v_start := date_trunc('second', v_after);
    v_w := timezone(p_timezone, timezone('UTC', v_start));
    -- cronsim drops the fraction of a second and steps one second on.
    v_aware := not v_fixed_time;
    if v_aware then
        v_u := v_start + interval '1 second';
        v_w := timezone(p_timezone, timezone('UTC', v_u));
        v_step := 'start_aware';
    else
        v_w := v_w + interval '1 second';
        v_step := 'advance';
        v_start_year := extract(year from v_w)::integer;
    end if;

    loop
        v_passes := v_passes + 1;
        if v_passes > 10000 then
            raise exception 'cron_next_run found no next run of %', quote_literal(p_expr)
                using errcode = 'XX000', detail = format('p_after=%s, p_timezone=%s', p_after, p_timezone),
                hint = 'this is a bug in orchable: report the expression, instant and time zone';
        end if;

        -- The zone model of the wall clock's day, when the step reads the zone.
        if (v_step <> 'advance' or v_aware) and v_model_day is distinct from v_w::date then
            v_model_day := v_w::date;
            -- Every instant whose wall time falls on the day, or up to two hours after it.
            v_lo := v_model_day - interval '15 hours';
            v_hi := v_model_day + interval '38 hours';
            v_o1 := timezone(p_timezone, timezone('UTC', v_lo)) - v_lo;
            v_o2 := timezone(p_timezone, timezone('UTC', v_hi)) - v_hi;
            if v_o1 = v_o2 then
                v_t := '-infinity';
            else
                while v_hi - v_lo > interval '1 second' loop
                    v_mid := v_lo + make_interval(secs => floor(extract(epoch from v_hi - v_lo) / 2));
                    if timezone(p_timezone, timezone('UTC', v_mid)) - v_mid = v_o1 then
                        v_lo := v_mid;
                    else
                        v_hi := v_mid;
                    end if;
                end loop;
                v_t := v_hi;
            end if;
        end if;

        if v_step = 'start_aware' then
            -- The wall time v_w of instant v_u; fold: v_u is the second pass of a repeated time.
            v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
            continue;
        end if;

        if v_step = 'advance' then
            -- One pass of cronsim's advance(): the first field that does not match moves on.
            if extract(year from v_w) > v_start_year + 50 then
                return null;  -- cronsim gives up too; _cron_fields refuses what can never fire
            end if;

            v_value := extract(month from v_w)::integer;
            if (v_months >> v_value) & 1 = 0 then
                v_bits := v_months & ~((2::bigint << v_value) - 1);
                v_w := make_timestamp(
                    extract(year from v_w)::integer + (v_bits = 0)::integer,
                    bit_count(((case when v_bits = 0 then v_months else v_bits end
                        & -(case when v_bits = 0 then v_months else v_bits end)) - 1)::bit(64))::integer,
                    1, 0, 0, 0
                );
                v_fold := false;
                continue;
            end if;

            v_value := extract(day from v_w)::integer;
            v_weekday := extract(dow from v_w)::integer;
            if not (case when v_days_or
                then (v_days >> v_value) & 1 = 1 or (v_weekdays >> v_weekday) & 1 = 1
                else (v_days >> v_value) & 1 = 1 and (v_weekdays >> v_weekday) & 1 = 1 end)
            then
                -- The days of this month that match, as bits: the weekday mask turned to start
                -- on the 1st's weekday and repeated, then and-ed or or-ed with the day mask.
                v_first := date_trunc('month', v_w);
                v_weekday := extract(dow from v_first)::integer;
                v_rotated := ((v_weekdays >> v_weekday) | (v_weekdays << (7 - v_weekday))) & 127;
                v_bits := (v_rotated | (v_rotated << 7) | (v_rotated << 14) | (v_rotated << 21) | (v_rotated << 28)) << 1;
                v_bits := case when v_days_or then v_days | v_bits else v_days & v_bits end
                    & ((2::bigint << (32 - extract(day from v_first + interval '31 days')::integer)) - 2)
                    & ~((2::bigint << v_value) - 1);
                v_w := v_first + case when v_bits = 0 then interval '1 month'
                    else make_interval(days => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer - 1) end;
                v_fold := false;
                continue;
            end if;

            -- Near a transition, cronsim's steps walk real time one hour or minute at a time.
            v_literal := v_aware and v_t <> '-infinity';

            v_value := extract(hour from v_w)::integer;
            if (v_hours >> v_value) & 1 = 0 then
                if not v_literal then
                    v_bits := v_hours & ~((2::bigint << v_value) - 1);
                    v_w := date_trunc('day', v_w) + case when v_bits = 0 then interval '1 day'
                        else make_interval(hours => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer) end;
                else
                    v_w := date_trunc('hour', v_w);
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end;
                    loop
                        v_u := v_u + interval '1 hour';
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(hour from v_w)::integer;
                        exit when (v_hours >> v_value) & 1 = 1 or v_value = 0;
                    end loop;
                end if;
                continue;
            end if;

            v_value := extract(minute from v_w)::integer;
            if (v_minutes >> v_value) & 1 = 0 then
                v_w := date_trunc('minute', v_w);
                if not v_literal and v_single_minute >= 0 then
                    v_w := v_w + make_interval(mins => (v_single_minute - v_value + 60) % 60);
                elsif not v_literal then
                    v_bits := v_minutes & ~((2::bigint << v_value) - 1);
                    v_w := date_trunc('hour', v_w) + case when v_bits = 0 then interval '1 hour'
                        else make_interval(mins => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer) end;
                else
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end;
                    if v_single_minute >= 0 then
                        v_u := v_u + make_interval(mins => (v_single_minute - v_value + 60) % 60);
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(minute from v_w)::integer;
                    end if;
                    while (v_minutes >> v_value) & 1 = 0 loop
                        v_u := v_u + interval '1 minute';
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(minute from v_w)::integer;
                        exit when v_value = 0;
                    end loop;
                end if;
                continue;
            end if;

            if v_w <> date_trunc('minute', v_w) then
                if not v_literal then
                    v_w := date_trunc('minute', v_w) + interval '1 minute';
                else
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end + make_interval(secs => 60 - extract(second from v_w)::double precision);
                    v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                    v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                end if;
                continue;
            end if;

            v_step := 'found';
            continue;
        end if;

        if v_step = 'found' and v_phase = 0 and not v_aware then
            -- A wall time the clock skips runs at the jump: cronsim adds minutes until it exists.
            if not (v_w - v_o1 < v_t) and not (v_w - v_o2 >= v_t) then
                v_w := v_w + make_interval(mins => ceil(extract(epoch from v_t + v_o2 - v_w) / 60)::integer);
            end if;
            -- A repeated wall time runs at its first occurrence.
            v_result := case when v_w - v_o1 < v_t then v_w - v_o1 else v_w - v_o2 end;
            if v_result > v_after then
                return timezone('UTC', v_result);
            end if;
            -- Asked from the second pass of a repeated hour: the runs left in that hour were
            -- in the first pass. Go on from the end of the repeated time.
            v_w := greatest(v_w + interval '1 second', v_t + v_o1);
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
        elsif v_step = 'found' and v_phase in (0, 3) then
            v_result := case
                when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                    then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                when v_w - v_o1 < v_t then v_w - v_o1
                else v_w - v_o2
            end;
            if v_result > v_after then
                return timezone('UTC', v_result);
            elsif v_phase = 3 then
                return timezone('UTC', v_last);
            end if;
            -- cronsim went back in time (its step to the top of the hour crossed a transition
            -- not on the hour): look for the wall times that match, instant by instant.
            v_u := v_start + interval '1 second';
            v_w := timezone(p_timezone, timezone('UTC', v_u));
            v_step := 'fallback';
        elsif v_step = 'fallback' then
            v_fallback_t := v_t;
            v_fallback_o1 := v_o1;
            v_fallback_o2 := v_o2;
            v_fallback_end := case when v_t = '-infinity' then v_u
                else v_t + greatest(v_o1 - v_o2, interval '0') end + interval '2 hours';
            v_aware := false;
            if v_u < v_t then
                -- Before the transition: wall times at offset v_o1, up to the transition.
                v_w := v_u + v_o1;
                v_segment_offset := v_o1;
                v_segment_end := v_t;
                v_phase := 1;
                v_step := 'advance';
                v_start_year := extract(year from v_w)::integer;
            else
                v_step := 'after_transition';
            end if;
        elsif v_step = 'after_transition' or (v_step = 'found' and v_phase = 1 and v_w - v_segment_offset >= v_segment_end) then
            -- After it: wall times at offset v_o2, up to two hours past the repeated time.
            v_w := greatest(v_u, v_fallback_t) + v_fallback_o2;
            v_segment_offset := v_fallback_o2;
            v_segment_end := v_fallback_end;
            v_phase := 2;
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
        elsif v_step = 'found' and v_phase in (1, 2) then
            v_last := v_w - v_segment_offset;
            if v_last < v_segment_end then
                return timezone('UTC', v_last);
            end if;
            -- Past the transition, cronsim's steps move forward again.
            v_u := greatest(v_fallback_end, v_u);
            v_w := timezone(p_timezone, timezone('UTC', v_u));
            v_aware := true;
            v_phase := 3;
            v_step := 'start_aware';
        end if;
    end loop;
end
$$;

comment on function orchable._cron_next_run(text, timestamptz, text) is
'When p_expr next fires strictly after p_after in p_timezone, by cronsim''s (Debian cron''s) rules; raises OR031 for a malformed expression, PostgreSQL''s 22023 for an unknown zone.';

-- functions/monitors/0900_cron_next_run.sql
-- SECURITY DEFINER: the schedule is read by private functions, out of the API roles'
-- reach (orchable._cron_next_run, which says how); this function reads no table and
-- writes nothing. An unknown zone raises OR031 here, for a person previewing a schedule;
-- the scheduler calls orchable._cron_next_run without this check's savepoint.
create or replace function orchable_rpc.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
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
create or replace function public.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
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

-- functions/monitors/0940__insert_monitor.sql
-- A new monitor of p_owner_id, checked and scheduled: the schedule and zone (OR031, naming
-- the field), the texts and the behaviour (OR003), the config's keys and types (OR003);
-- its first run is the schedule's first time from now. The one way monitors are made
-- (create_monitor, create_monitor_from_template).
create or replace function orchable._insert_monitor(
    p_owner_id uuid,
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text,
    p_notify_behavior text,
    p_config jsonb,
    p_template_id uuid
)
returns public.monitors
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_config_keys constant text [] := array['model', 'fallback_models', 'notify_ungrounded', 'failure_alert_after'];
    v_problem text;
    v_monitor public.monitors;
begin
    v_problem := case
        when coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then 'p_name must be 1 to 200 characters'
        when coalesce(btrim(p_search_query), '') = '' or length(p_search_query) > 2000 then
            'p_search_query must be 1 to 2000 characters'
        when coalesce(btrim(p_condition_description), '') = '' or length(p_condition_description) > 2000 then
            'p_condition_description must be 1 to 2000 characters'
        when p_notify_behavior is null or p_notify_behavior not in ('once', 'always', 'track_state') then
            format('p_notify_behavior %s is not once, always or track_state', coalesce(quote_literal(p_notify_behavior), 'null'))
        when jsonb_typeof(p_config) is distinct from 'object' then 'p_config must be a JSON object'
        when exists (select from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_config_keys)) then
            format('p_config has key %s, which monitors do not know (they know %s)',
                (select quote_literal(min(k.name)) from jsonb_object_keys(p_config) as k (name)
                 where k.name <> all(v_config_keys)),
                array_to_string(v_config_keys, ', '))
        when jsonb_typeof(p_config -> 'model') not in ('string', 'null') then 'p_config.model must be a string'
        when jsonb_typeof(p_config -> 'fallback_models') not in ('array', 'null')
            or exists (select from jsonb_array_elements(coalesce(p_config -> 'fallback_models', '[]')) as f
                where jsonb_typeof(f) <> 'string') then
            'p_config.fallback_models must be an array of model names'
        when jsonb_typeof(p_config -> 'notify_ungrounded') not in ('boolean', 'null') then
            'p_config.notify_ungrounded must be true or false'
        when jsonb_typeof(p_config -> 'failure_alert_after') not in ('number', 'null')
            or (p_config ->> 'failure_alert_after')::numeric not between 1 and 100
            or (p_config ->> 'failure_alert_after')::numeric <> trunc((p_config ->> 'failure_alert_after')::numeric) then
            'p_config.failure_alert_after must be a whole number from 1 to 100'
    end;
    if v_problem is not null then
        raise exception 'invalid monitor: %', v_problem
            using errcode = 'OR003',
            hint = 'create_monitor(p_name, p_search_query, p_condition_description, p_schedule, p_timezone, p_notify_behavior, p_config)';
    end if;
    perform orchable._check_json_limits(p_config, 'p_config');
    perform orchable._check_schedule(p_schedule, p_timezone);

    insert into public.monitors (
        owner_id, name, search_query, condition_description, schedule, timezone, notify_behavior,
        config, template_id, next_run_at
    )
    values (
        p_owner_id, btrim(p_name), btrim(p_search_query), btrim(p_condition_description), btrim(p_schedule),
        p_timezone, p_notify_behavior, p_config, p_template_id,
        orchable._cron_next_run(btrim(p_schedule), now(), p_timezone)
    )
    returning * into v_monitor;
    return v_monitor;
end
$$;

comment on function orchable._insert_monitor(uuid, text, text, text, text, text, text, jsonb, uuid) is
'Checks a new monitor (OR031 for its schedule or zone, OR003 for the rest) and inserts it, scheduled for the first time its schedule fires from now.';

-- functions/monitors/0970_resume_monitor.sql
-- SECURITY DEFINER: monitors change state through these RPCs only.
create or replace function orchable_rpc.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if v_monitor.state = 'active' then
        raise exception 'monitor % is already active', p_monitor_id
            using errcode = 'OR007', hint = 'resume a paused or completed monitor';
    end if;
    -- A completed (once) monitor starts over: told again the next time the condition holds.
    update public.monitors
    set
        state = 'active',
        next_run_at = orchable._cron_next_run(schedule, now(), timezone),
        consecutive_failures = 0,
        updated_at = now()
    where id = p_monitor_id
    returning * into v_monitor;
    return v_monitor;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_monitor(p_monitor_id);
end
$$;

comment on function orchable_rpc.resume_monitor(uuid) is
'The implementation of public.resume_monitor, run with its owner''s rights; callable by the roles that may call public.resume_monitor.';

comment on function public.resume_monitor(uuid) is
'Resumes the caller''s paused or completed monitor: scheduled again from now (runs missed while paused are not made up). OR034 for a monitor not theirs, OR007 when already active.';

revoke all on function orchable_rpc.resume_monitor(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_monitor(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_monitor(uuid) to authenticated, service_role;
grant execute on function public.resume_monitor(uuid) to authenticated, service_role;

-- functions/monitors/0980__start_due_monitors.sql
-- Starts the monitor runs due at p_now (at most p_limit, in due order, each locked with
-- SKIP LOCKED so that concurrent ticks share them) and moves each monitor to its first
-- time after p_now, so runs missed while nothing ticked collapse into one. With
-- p_isolated, each start runs in a savepoint of its own and one that fails is recorded as
-- a failed execution while the others start; without, a failure raises (tick() tries the
-- isolated way only then: a savepoint per run would make every other session's snapshot
-- checks read pg_subtrans for as long as a tick of hundreds of runs lasts).
create or replace function orchable._start_due_monitors(p_now timestamptz, p_limit bigint, p_isolated boolean)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors;
    v_started integer := 0;
    v_error text;
begin
    for v_monitor in
        select * from public.monitors as m
        where m.state = 'active' and m.next_run_at <= p_now
        order by m.next_run_at
        limit p_limit
        for update skip locked
    loop
        if not p_isolated then
            perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
            v_started := v_started + 1;
        else
            begin
                perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
                v_started := v_started + 1;
            exception when others then
                get stacked diagnostics v_error = message_text;
                insert into public.monitor_executions (
                    id, monitor_id, owner_id, scheduled_for, status, completed_at, error_message, notify_reason
                )
                values (
                    orchable.time_ordered_uuid(), v_monitor.id, v_monitor.owner_id, v_monitor.next_run_at,
                    'failed', now(), 'the run could not start: ' || v_error, 'failed'
                );
            end;
        end if;
        update public.monitors as m
        set
            next_run_at = orchable._cron_next_run(m.schedule, p_now, m.timezone),
            last_run_at = p_now,
            updated_at = now()
        where m.id = v_monitor.id;
    end loop;
    return v_started;
end
$$;

comment on function orchable._start_due_monitors(timestamptz, bigint, boolean) is
'Starts up to p_limit monitor runs due at p_now and moves each monitor to its next time; p_isolated: each in a savepoint, a failed start recorded, not raised.';

-- functions/monitors/0981__launch_trigger.sql
-- One launch of a cron trigger: its pipeline, inputs and config, named after it and the
-- time it was due, idempotent per due time.
create or replace function orchable._launch_trigger(p_trigger public.triggers)
returns public.task_batches
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
    select orchable._launch_batch(
        (select o from public.orchestrators as o where o.id = p_trigger.orchestrator_id), p_trigger.inputs,
        left(p_trigger.name, 150) || ' '
            || to_char(p_trigger.next_run_at at time zone p_trigger.timezone, 'YYYY-MM-DD HH24:MI'),
        p_trigger.config,
        'trigger ' || p_trigger.id || ' ' || p_trigger.next_run_at
    )
$$;

comment on function orchable._launch_trigger(public.triggers) is
'Launches a cron trigger''s pipeline with its inputs and config, idempotent per due time.';

-- functions/monitors/0982__launch_due_triggers.sql
-- Launches the cron triggers due at p_now (at most p_limit, locked with SKIP LOCKED) and
-- moves each to its first time after p_now; as orchable._start_due_monitors, with
-- p_isolated each launch has a savepoint of its own and a failed one is kept in the
-- trigger's last_error, without it a failure raises.
create or replace function orchable._launch_due_triggers(p_now timestamptz, p_limit bigint, p_isolated boolean)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_error text;
    v_launched integer := 0;
begin
    for v_trigger in
        select * from public.triggers as t
        where t.kind = 'cron' and t.state = 'active' and t.next_run_at <= p_now
        order by t.next_run_at
        limit p_limit
        for update skip locked
    loop
        v_batch := null;
        v_error := null;
        if not p_isolated then
            v_batch := orchable._launch_trigger(v_trigger);
        else
            begin
                v_batch := orchable._launch_trigger(v_trigger);
            exception when others then
                get stacked diagnostics v_error = message_text;
            end;
        end if;
        v_launched := v_launched + (v_batch.id is not null)::integer;
        update public.triggers as t
        set
            next_run_at = orchable._cron_next_run(t.schedule, p_now, t.timezone),
            last_run_at = p_now,
            last_batch_id = coalesce(v_batch.id, t.last_batch_id),
            last_error = v_error,
            updated_at = now()
        where t.id = v_trigger.id;
    end loop;
    return v_launched;
end
$$;

comment on function orchable._launch_due_triggers(timestamptz, bigint, boolean) is
'Launches up to p_limit cron triggers due at p_now and moves each to its next time; p_isolated: each in a savepoint, a failed launch kept in last_error, not raised.';

-- functions/monitors/0985_add_trigger.sql
-- SECURITY DEFINER: users may not insert triggers directly, so that every schedule is
-- checked and scheduled, and every launch it will make is checked once, here.
create or replace function orchable_rpc.add_trigger(
    p_orchestrator_id uuid,
    p_name text,
    p_kind text,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_inputs jsonb default '[{}]',
    p_config jsonb default '{}',
    p_access_key_id uuid default null
)
returns public.triggers
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators;
    v_trigger public.triggers;
begin
    select * into v_orchestrator from public.orchestrators as o where o.id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then
        raise exception 'p_name must be 1 to 200 characters'
            using errcode = 'OR003', hint = 'name the trigger, e.g. ''nightly digest''';
    end if;
    if exists (select from public.triggers as t where t.owner_id = v_orchestrator.owner_id and t.name = btrim(p_name)) then
        raise exception 'a trigger named % exists', quote_literal(btrim(p_name))
            using errcode = 'OR003', hint = 'trigger names are unique per owner: pick another, or delete the old one';
    end if;
    if p_kind is null or p_kind not in ('cron', 'webhook', 'manual') then
        raise exception 'p_kind % is not cron, webhook or manual', coalesce(quote_literal(p_kind), 'null')
            using errcode = 'OR003',
            hint = 'cron launches on p_schedule, webhook when trigger_webhook is called with p_access_key_id''s key';
    end if;
    if (p_kind = 'webhook') <> (p_access_key_id is not null) then
        raise exception 'a webhook trigger, and only one, takes p_access_key_id'
            using errcode = 'OR003', hint = 'make a key with create_access_key and pass its id';
    end if;
    if p_kind = 'webhook' and not exists (
        select from public.access_keys as k
        where k.id = p_access_key_id and k.owner_id = v_orchestrator.owner_id and k.revoked_at is null
    ) then
        raise exception 'access key % not found', p_access_key_id
            using errcode = 'OR036', hint = 'pass the id of one of your keys that is not revoked';
    end if;
    if p_kind = 'cron' then
        perform orchable._check_schedule(p_schedule, p_timezone);
    elsif p_schedule is not null then
        raise exception 'a % trigger has no schedule', p_kind
            using errcode = 'OR003', hint = 'leave p_schedule out, or make it a cron trigger';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0
        or jsonb_array_length(p_inputs) > orchable._limit('inputs_per_launch') then
        raise exception 'p_inputs must be a JSON array of 1 to % inputs', orchable._limit('inputs_per_launch')
            using errcode = 'OR003', hint = 'the inputs each launch gets, as launch_batch takes them';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    perform orchable._check_json_limits(p_inputs, 'p_inputs');
    perform orchable._check_json_limits(p_config, 'p_config');

    insert into public.triggers (
        owner_id, orchestrator_id, name, kind, schedule, timezone, inputs, config, access_key_id, next_run_at
    )
    values (
        v_orchestrator.owner_id, v_orchestrator.id, btrim(p_name), p_kind, btrim(p_schedule), p_timezone,
        p_inputs, p_config, p_access_key_id,
        case when p_kind = 'cron' then orchable._cron_next_run(btrim(p_schedule), now(), p_timezone) end
    )
    returning * into v_trigger;
    return v_trigger;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.add_trigger(
    p_orchestrator_id uuid,
    p_name text,
    p_kind text,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_inputs jsonb default '[{}]',
    p_config jsonb default '{}',
    p_access_key_id uuid default null
)
returns public.triggers
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.add_trigger(
        p_orchestrator_id, p_name, p_kind, p_schedule, p_timezone, p_inputs, p_config, p_access_key_id
    );
end
$$;

comment on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid) is
'The implementation of public.add_trigger, run with its owner''s rights; callable by the roles that may call public.add_trigger.';

comment on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid) is
'Adds a trigger to the caller''s pipeline: cron launches it (launch_batch with p_inputs and p_config) each time p_schedule fires in p_timezone, started by tick(); webhook launches it when trigger_webhook is called with the key of p_access_key_id (one trigger per key); manual records the launch settings only. A schedule that is malformed or can never fire, or an unknown zone, raises OR031 naming the field; an unknown pipeline OR002; other bad arguments OR003.';

revoke all on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid)
to authenticated, service_role;
grant execute on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb, uuid)
to authenticated, service_role;

-- functions/monitors/0990_tick.sql
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). All start in one pass; when one cannot start, the
-- pass is undone and made again with a savepoint per row, so that one fails alone (its
-- schedule moves on and the error is kept) and the others start.
create or replace function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
begin
    begin
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, false);
    exception when others then
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, true);
    end;
    begin
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, false);
    exception when others then
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, true);
    end;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.tick(p_now);
end
$$;

comment on function orchable_rpc.tick(timestamptz) is
'The implementation of public.tick, run with its owner''s rights; callable by the roles that may call public.tick.';

comment on function public.tick(timestamptz) is
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; safe to call from many processes at once (each due run starts once). Returns how many runs and launches it started.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;

-- policies/platform/0000_orchable_internals.sql: no API role calls a private function.
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
