-- SECURITY DEFINER: templates are read for every user and monitors made as create_monitor
-- makes them.
create function orchable_rpc.create_monitor_from_template(
    p_template_id uuid,
    p_values jsonb,
    p_name text default null,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template public.monitor_templates;
    v_query text;
begin
    select * into v_template from public.monitor_templates as t where t.id = p_template_id and t.state = 'active';
    if not found then
        raise exception 'monitor template % not found', p_template_id
            using errcode = 'OR033', hint = 'list the templates with select * from monitor_templates';
    end if;
    if jsonb_typeof(p_values) is distinct from 'object' then
        raise exception 'p_values must be a JSON object'
            using errcode = 'OR003', hint = 'pass the template''s placeholders, e.g. {"product": "iPhone 18"}';
    end if;
    v_query := orchable._fill_placeholders(v_template.search_query, p_values);
    return orchable._insert_monitor(
        orchable._owner_for(p_owner_id, 'create_monitor_from_template'),
        coalesce(p_name, left(v_template.name || ': ' || v_query, 200)),
        v_query,
        orchable._fill_placeholders(v_template.condition_description, p_values),
        coalesce(p_schedule, v_template.schedule),
        p_timezone,
        v_template.notify_behavior,
        v_template.config,
        v_template.id
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.create_monitor_from_template(
    p_template_id uuid,
    p_values jsonb,
    p_name text default null,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.create_monitor_from_template(
        p_template_id, p_values, p_name, p_schedule, p_timezone, p_owner_id
    );
end
$$;

comment on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid) is
'The implementation of public.create_monitor_from_template, run with its owner''s rights; callable by the roles that may call public.create_monitor_from_template.';

comment on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid) is
'Creates a monitor from an active template: its {placeholder}s filled from p_values (a missing one raises OR032 naming it), its schedule unless p_schedule is given, read in p_timezone; an unknown or paused template raises OR033. Otherwise as create_monitor.';

revoke all on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
to authenticated, service_role;
grant execute on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
to authenticated, service_role;
