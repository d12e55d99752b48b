-- A new monitor of p_owner_id, checked and scheduled: the schedule and zone (OR031, naming
-- the field), the texts and the behaviour (OR003), the config's keys and types (OR003);
-- its first run is the schedule's first time from now. The one way monitors are made
-- (create_monitor, create_monitor_from_template).
create function orchable._insert_monitor(
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
