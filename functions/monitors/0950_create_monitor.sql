-- SECURITY DEFINER: users may not insert monitors directly, so that every schedule is
-- checked and scheduled here.
create function orchable_rpc.create_monitor(
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text default 'UTC',
    p_notify_behavior text default 'once',
    p_config jsonb default '{}',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable._insert_monitor(
        orchable._owner_for(p_owner_id, 'create_monitor'), p_name, p_search_query,
        p_condition_description, p_schedule, p_timezone, p_notify_behavior, p_config, null
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.create_monitor(
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text default 'UTC',
    p_notify_behavior text default 'once',
    p_config jsonb default '{}',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.create_monitor(
        p_name, p_search_query, p_condition_description, p_schedule, p_timezone, p_notify_behavior,
        p_config, p_owner_id
    );
end
$$;

comment on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid) is
'The implementation of public.create_monitor, run with its owner''s rights; callable by the roles that may call public.create_monitor.';

comment on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid) is
'Creates a monitor of the signed-in user (service_role: of p_owner_id): every time p_schedule (five-field cron or a macro, in the IANA zone p_timezone) fires, a grounded web search answers p_search_query and judges p_condition_description; p_notify_behavior is once, always or track_state; p_config takes model, fallback_models, notify_ungrounded and failure_alert_after. A schedule that is malformed or can never fire, or an unknown zone, raises OR031 naming the field; other bad arguments OR003.';

revoke all on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid)
to authenticated, service_role;
grant execute on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid)
to authenticated, service_role;
