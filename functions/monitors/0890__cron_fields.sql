-- Parses and checks a five-field cron expression, with the rules of cronsim (Debian cron's):
-- lists, ranges, steps (`*/n`, `a-b/n`, and `a/n` for a to the field's end), month and
-- weekday names in any case, 7 as Sunday, and the macros @yearly @annually @monthly
-- @weekly @daily @midnight @hourly. Each field comes back as a bit mask of the values it
-- allows (bit n set: n allowed). cronsim's extensions (L, W, #, a seconds field) are refused.
create function orchable._cron_fields(
    p_expr text,
    out minutes bigint,
    out hours bigint,
    out days bigint,
    out months bigint,
    out weekdays bigint,
    out dom_restricted boolean,
    out dow_restricted boolean,
    out fixed_time boolean
)
language plpgsql
immutable
strict
set search_path = pg_catalog, pg_temp
as $$
declare
    v_field_names constant text[] := array['minute', 'hour', 'day of month', 'month', 'day of week'];
    v_lows constant integer[] := array[0, 0, 1, 1, 0];
    v_highs constant integer[] := array[59, 23, 31, 12, 7];
    v_month_names constant text[] := array[
        'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'
    ];
    v_day_names constant text[] := array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    v_hint constant text := 'five fields, minute hour day-of-month month day-of-week, such as '
        '''*/15 * * * *'' or ''0 9 * * mon-fri''; or one of @yearly, @annually, @monthly, '
        '@weekly, @daily, @midnight, @hourly';
    v_fields text[];
    v_masks bigint[] := array[0, 0, 0, 0, 0];
    v_field integer;
    v_term text;
    v_parts text[];
    v_from integer;
    v_to integer;
    v_text text;
    v_step integer;
    v_pattern bigint;
    v_width integer;
    v_longest_month integer;
begin
    v_fields := array_remove(regexp_split_to_array(lower(p_expr), '\s+'), '');
    if cardinality(v_fields) = 1 and left(v_fields[1], 1) = '@' then
        v_fields := string_to_array(case v_fields[1]
            when '@yearly' then '0 0 1 1 *'
            when '@annually' then '0 0 1 1 *'
            when '@monthly' then '0 0 1 * *'
            when '@weekly' then '0 0 * * 0'
            when '@daily' then '0 0 * * *'
            when '@midnight' then '0 0 * * *'
            when '@hourly' then '0 * * * *'
        end, ' ');
        if v_fields is null then
            raise exception 'invalid cron expression %', quote_literal(p_expr)
                using errcode = 'OR031',
                detail = format('macro: %s is not one of the macros', quote_literal(p_expr)),
                hint = v_hint;
        end if;
    end if;
    if cardinality(v_fields) <> 5 then
        raise exception 'invalid cron expression %', quote_literal(p_expr)
            using errcode = 'OR031',
            detail = format('fields: the expression has %s fields, not 5', cardinality(v_fields)),
            hint = v_hint;
    end if;

    for v_field in 1..5 loop
        if v_fields[v_field] = '*' then
            v_masks[v_field] := (2::bigint << v_highs[v_field]) - (1::bigint << v_lows[v_field]);
            continue;
        end if;
        foreach v_term in array string_to_array(v_fields[v_field], ',') loop
            -- The grammar of a term: (* | value | value-value) then an optional /step.
            v_parts := case when v_term = '*' then array['*', null, null, null]
                else regexp_match(v_term, '^(?:(\*)|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:/([0-9]+))?$') end;
            if v_parts is null then
                raise exception 'invalid cron expression %', quote_literal(p_expr)
                    using errcode = 'OR031',
                    detail = format('%s: %s is not a value, a range or a step',
                        v_field_names[v_field], quote_literal(v_term)),
                    hint = v_hint;
            end if;
            if v_parts[1] is not null then
                v_from := v_lows[v_field];
                v_to := v_highs[v_field];
            else
                foreach v_text in array array_remove(array[v_parts[2], v_parts[3]], null) loop
                    v_to := case
                        when v_text ~ '^[0-9]+$' then case when length(ltrim(v_text, '0')) > 2 then 100
                            else coalesce(nullif(ltrim(v_text, '0'), '')::integer, 0) end
                        when v_field = 4 then array_position(v_month_names, v_text)
                        when v_field = 5 then array_position(v_day_names, v_text) - 1
                    end;
                    if v_to is null or v_to < v_lows[v_field] or v_to > v_highs[v_field] then
                        raise exception 'invalid cron expression %', quote_literal(p_expr)
                            using errcode = 'OR031',
                            detail = format('%s: %s is not a value from %s to %s%s',
                                v_field_names[v_field], quote_literal(v_text),
                                v_lows[v_field], v_highs[v_field],
                                case v_field when 4 then ' or a month name'
                                    when 5 then ' (7 is Sunday) or a weekday name' else '' end),
                            hint = v_hint;
                    end if;
                    v_from := case when v_text = v_parts[2] then v_to else v_from end;
                end loop;
                if v_to < v_from then
                    raise exception 'invalid cron expression %', quote_literal(p_expr)
                        using errcode = 'OR031',
                        detail = format('%s: the range %s runs backwards',
                            v_field_names[v_field], quote_literal(v_term)),
                        hint = v_hint;
                end if;
                -- A single value with a step runs to the end of the field (cronsim's 5/15).
                if v_parts[3] is null and v_parts[4] is not null then
                    v_to := v_highs[v_field];
                end if;
            end if;
            v_step := case
                when v_parts[4] is null then 1
                when length(ltrim(v_parts[4], '0')) > 2 then 100
                else coalesce(nullif(ltrim(v_parts[4], '0'), ''), '0')::integer
            end;
            if v_step = 0 then
                raise exception 'invalid cron expression %', quote_literal(p_expr)
                    using errcode = 'OR031',
                    detail = format('%s: the step of %s is zero', v_field_names[v_field], quote_literal(v_term)),
                    hint = v_hint;
            end if;
            -- Every v_step-th value from v_from to v_to: a pattern of bits v_step apart,
            -- doubled until it spans the field, shifted to the start and cut at the end.
            v_pattern := case when v_step = 1 then (1::bigint << 60) - 1 else 1 end;
            v_width := v_step;
            while v_width < 60 and v_step > 1 loop
                v_pattern := (v_pattern | (v_pattern << v_width)) & ((1::bigint << 60) - 1);
                v_width := v_width * 2;
            end loop;
            v_masks[v_field] := v_masks[v_field]
                | ((v_pattern << v_from) & ((2::bigint << v_to) - 1));
        end loop;
    end loop;

    minutes := v_masks[1];
    hours := v_masks[2];
    days := v_masks[3];
    months := v_masks[4];
    weekdays := (v_masks[5] | (v_masks[5] >> 7)) & 127;
    -- Debian cron: a day-of-month or day-of-week field that starts with * does not
    -- restrict; when both restrict, a day matching either runs (they are OR-ed).
    dom_restricted := left(v_fields[3], 1) <> '*';
    dow_restricted := left(v_fields[5], 1) <> '*';
    -- Debian cron's daylight-saving rules treat a schedule whose minute and hour fields do
    -- not start with * as one at fixed times (see public.cron_next_run).
    fixed_time := left(v_fields[1], 1) <> '*' and left(v_fields[2], 1) <> '*';

    if not (dom_restricted and dow_restricted) then
        v_longest_month := case
            when months & 5546 <> 0 then 31  -- jan, mar, may, jul, aug, oct, dec
            when months & 2640 <> 0 then 30  -- apr, jun, sep, nov
            else 29
        end;
        if days & ((2::bigint << v_longest_month) - 1) = 0 then
            raise exception 'cron expression % can never fire', quote_literal(p_expr)
                using errcode = 'OR031',
                detail = format('day of month: no month the month field allows (%s) has a day %s',
                    quote_literal(v_fields[4]), quote_literal(v_fields[3])),
                hint = 'pick a day every month allowed has, or restrict the day of week too (then either matching runs)';
        end if;
    end if;
end
$$;

comment on function orchable._cron_fields(text) is
'Parses a five-field cron expression (or a macro such as @daily) into bit masks of the allowed minutes, hours, days of month, months and days of week (0 = Sunday; 7 folds into 0), whether the day-of-month and day-of-week fields restrict (both: a day matching either runs), and whether the schedule counts as fixed-time for daylight saving (neither minute nor hour starts with *). Raises OR031, naming the field, for a malformed expression or one that can never fire.';

revoke all on function orchable._cron_fields(text) from public, anon, authenticated, service_role;
