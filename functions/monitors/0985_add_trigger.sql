-- SECURITY DEFINER: users may not insert triggers directly, so that every schedule is
-- checked and scheduled, and every launch it will make is checked once, here.
create function orchable_rpc.add_trigger(
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
            and 'trigger_webhook' = any(k.scopes)
    ) then
        raise exception 'access key % not found', p_access_key_id
            using errcode = 'OR036',
            hint = 'pass the id of one of your keys with the trigger_webhook scope that is not revoked';
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
create function public.add_trigger(
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
