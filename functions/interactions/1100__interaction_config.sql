-- Checks the `interaction` of a stage definition (what a person is asked when a task of
-- the stage has its output) and returns it normalised, every default filled in. Raises
-- OR001 naming the stage and the problem. Durations are PostgreSQL intervals ('30 minutes',
-- '2 days'); endpoints are names of the owner's notification endpoints, looked up when a
-- person is asked; responders are user ids (default: the pipeline's owner).
create function orchable._interaction_config(p_stage_key text, p_config jsonb)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_known constant text [] := array[
        'type', 'message', 'channels', 'endpoints', 'responders', 'options', 'input_schema', 'timeout',
        'on_timeout', 'default', 'reminders', 'escalation', 'required_approvals', 'priority', 'answer_key',
        'on_reject'
    ];
    v_type text := coalesce(p_config ->> 'type', 'approval');
    v_on_timeout text := coalesce(p_config ->> 'on_timeout', 'reject');
    v_problem text;
    v_durations jsonb;
    v_duration text;
begin
    if jsonb_typeof(p_config) <> 'object' then
        v_problem := 'has an interaction that is not a JSON object';
    else
        v_problem := case
            when exists (select from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_known)) then
                format('has interaction key "%s", which orchable does not know (it knows %s)',
                    (select min(k.name) from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_known)),
                    array_to_string(v_known, ', '))
            when v_type not in ('approval', 'input', 'selection', 'review') then
                format('has interaction type %s; it is approval, input, selection or review', p_config -> 'type')
            when jsonb_typeof(p_config -> 'message') not in ('string', 'null') then 'has an interaction message that is not a string'
            when jsonb_typeof(p_config -> 'channels') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'channels') as c (channel)
                where c.channel not in ('"in_app"', '"email"', '"webhook"', '"slack"')
            ) then 'has interaction channels that are not a list of in_app, email, webhook and slack'
            when jsonb_typeof(p_config -> 'endpoints') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'endpoints') as e (name) where jsonb_typeof(e.name) <> 'string'
            ) then 'has interaction endpoints that are not a list of endpoint names'
            when jsonb_typeof(p_config -> 'responders') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'responders') as r (id)
                where coalesce(r.id #>> '{}', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            ) then 'has interaction responders that are not a list of user ids'
            when v_type = 'selection' and (
                jsonb_typeof(p_config -> 'options') is distinct from 'array'
                or jsonb_array_length(p_config -> 'options') = 0
                or exists (
                    select from jsonb_array_elements(p_config -> 'options') as o (option)
                    where jsonb_typeof(o.option) <> 'string'
                        and (jsonb_typeof(o.option) <> 'object' or jsonb_typeof(o.option -> 'value') is distinct from 'string')
                )
            ) then 'is a selection without options (a list of strings, or of {"value", "label"})'
            when v_type <> 'selection' and p_config ? 'options' then 'has options but is not a selection'
            when v_type = 'input' and jsonb_typeof(p_config -> 'input_schema') is distinct from 'object' then
                'asks for input without an input_schema (a JSON Schema object)'
            when v_type <> 'input' and p_config ? 'input_schema' then 'has an input_schema but does not ask for input'
            when v_type = 'input' and orchable._json_schema_unsupported(p_config -> 'input_schema') is not null then
                format('has an input_schema with %s, which orchable cannot check',
                    orchable._json_schema_unsupported(p_config -> 'input_schema'))
            when v_on_timeout not in ('reject', 'approve', 'fail', 'cancel_batch', 'escalate') then
                format('has on_timeout %s; it is reject, approve, fail, cancel_batch or escalate', p_config -> 'on_timeout')
            when p_config ? 'on_timeout' and not p_config ? 'timeout' then 'has an on_timeout but no timeout'
            when v_on_timeout = 'approve' and v_type in ('input', 'selection') and not p_config ? 'default' then
                format('approves on timeout but has no default %s', case v_type when 'input' then 'answer' else 'choice' end)
            when v_on_timeout = 'escalate' and coalesce(jsonb_array_length(p_config -> 'escalation'), 0) = 0 then
                'escalates on timeout but has no escalation steps'
            when jsonb_typeof(p_config -> 'reminders') not in ('array', 'null') then 'has reminders that are not a list of durations'
            when jsonb_typeof(p_config -> 'escalation') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'escalation') as s (step)
                where jsonb_typeof(s.step) <> 'object' or jsonb_typeof(s.step -> 'after') is distinct from 'string'
                    or jsonb_typeof(s.step -> 'endpoints') not in ('array', 'null')
                    or jsonb_typeof(s.step -> 'responders') not in ('array', 'null')
                    or exists (select from jsonb_object_keys(s.step) as k (name) where k.name not in ('after', 'endpoints', 'responders'))
                    or exists (
                        select from jsonb_array_elements(s.step -> 'responders') as r (id)
                        where coalesce(r.id #>> '{}', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    )
            ) then 'has escalation steps that are not {"after": duration, "endpoints": [names], "responders": [user ids]}'
            when p_config ? 'required_approvals' and (
                jsonb_typeof(p_config -> 'required_approvals') <> 'number'
                or (p_config ->> 'required_approvals')::numeric not between 1 and 100
                or (p_config ->> 'required_approvals')::numeric <> trunc((p_config ->> 'required_approvals')::numeric)
            ) then 'has a required_approvals that is not a whole number from 1 to 100'
            when p_config ? 'required_approvals' and v_type not in ('approval', 'review') then
                'asks for several approvals but is not an approval or a review'
            when coalesce(p_config ->> 'priority', 'normal') not in ('low', 'normal', 'high', 'critical') then
                format('has priority %s; it is low, normal, high or critical', p_config -> 'priority')
            when coalesce(p_config ->> 'answer_key', 'human') !~ '^[A-Za-z_][A-Za-z0-9_]*$' then
                'has an answer_key that is not a plain name'
            when coalesce(p_config ->> 'on_reject', 'regenerate') not in ('regenerate', 'fail') then
                format('has on_reject %s; it is regenerate or fail', p_config -> 'on_reject')
        end;
    end if;
    if v_problem is null then
        -- Every duration must read as a positive interval.
        v_durations := coalesce(p_config -> 'reminders', '[]')
            || coalesce((select jsonb_agg(s.step -> 'after') from jsonb_array_elements(p_config -> 'escalation') as s (step)), '[]')
            || coalesce(jsonb_build_array(p_config -> 'timeout'), '[]');
        for v_duration in select d #>> '{}' from jsonb_array_elements(v_durations) as d where d <> 'null'::jsonb loop
            begin
                if v_duration::interval <= interval '0' then
                    v_problem := format('has a duration "%s" that is not positive', v_duration);
                end if;
            exception when invalid_datetime_format or datetime_field_overflow or interval_field_overflow then
                v_problem := format('has "%s", which is not a duration (say "30 minutes" or "2 days")', v_duration);
            end;
            exit when v_problem is not null;
        end loop;
    end if;
    if v_problem is null and v_type = 'selection' and p_config ? 'default' and not exists (
        select from jsonb_array_elements(p_config -> 'options') as o (option)
        where coalesce(o.option -> 'value', o.option) = p_config -> 'default'
    ) then
        v_problem := format('has a default %s that is not one of its options', p_config -> 'default');
    end if;
    if v_problem is null and v_type = 'input' and p_config ? 'default' then
        v_problem := 'has a default answer that does not fit its input_schema: '
            || orchable._json_schema_error(p_config -> 'input_schema', p_config -> 'default');
    end if;
    if v_problem is not null then
        raise exception 'stage "%" %', p_stage_key, v_problem
            using errcode = 'OR001', detail = p_config::text,
            hint = 'see "Asking people" in the README for the interaction a stage can ask for';
    end if;
    return jsonb_strip_nulls(jsonb_build_object(
        'type', v_type,
        'message', p_config -> 'message',
        'channels', coalesce(p_config -> 'channels', '["in_app"]'),
        'endpoints', p_config -> 'endpoints',
        'responders', p_config -> 'responders',
        'options', (
            select jsonb_agg(case when jsonb_typeof(o.option) = 'string'
                then jsonb_build_object('value', o.option, 'label', o.option)
                else jsonb_build_object('value', o.option -> 'value', 'label', coalesce(o.option -> 'label', o.option -> 'value'))
            end order by o.position)
            from jsonb_array_elements(p_config -> 'options') with ordinality as o (option, position)
        ),
        'input_schema', p_config -> 'input_schema',
        'timeout', p_config -> 'timeout',
        'on_timeout', case when p_config ? 'timeout' then v_on_timeout end,
        'default', p_config -> 'default',
        'reminders', p_config -> 'reminders',
        'escalation', p_config -> 'escalation',
        'required_approvals', coalesce((p_config ->> 'required_approvals')::numeric::integer, 1),
        'priority', coalesce(p_config ->> 'priority', 'normal'),
        'answer_key', coalesce(p_config ->> 'answer_key', 'human'),
        'on_reject', coalesce(p_config ->> 'on_reject', 'regenerate')
    ));
end
$$;

comment on function orchable._interaction_config(text, jsonb) is
'Validates a stage''s interaction (what a person is asked) and returns it normalised with its defaults; raises OR001 naming the problem.';
