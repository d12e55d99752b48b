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
create function orchable._cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
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
