-- SECURITY DEFINER: callable by anon (another system, holding an access key, calls
-- POST /rpc/trigger_webhook), which reads no table. A key that is wrong, revoked, unknown,
-- without the scope or bound to no active webhook trigger raises the same error (OR035),
-- so a caller learns nothing about which keys exist; keys are compared by their SHA-256.
create function orchable_rpc.trigger_webhook(p_key text, p_payload jsonb default '{}')
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key public.access_keys;
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_idempotency text;
begin
    select k.* into v_key from public.access_keys as k
    where k.key_hash = extensions.digest(coalesce(p_key, ''), 'sha256')
        and k.revoked_at is null and 'trigger_webhook' = any(k.scopes);
    if found then
        select t.* into v_trigger from public.triggers as t
        where t.access_key_id = v_key.id and t.kind = 'webhook' and t.state = 'active'
        for update;
    end if;
    if v_trigger.id is null then
        raise exception 'the access key is not valid'
            using errcode = 'OR035',
            hint = 'pass p_key, an access key bound to an active webhook trigger (create_access_key, add_trigger)';
    end if;
    if jsonb_typeof(p_payload) is distinct from 'object' then
        raise exception 'p_payload must be a JSON object'
            using errcode = 'OR003', hint = 'send {"...": ...}; an "idempotency_key" makes a repeat launch nothing new';
    end if;
    v_idempotency := p_payload ->> 'idempotency_key';
    update public.access_keys set last_used_at = now() where id = v_key.id;
    v_batch := orchable._launch_batch(
        (select o from public.orchestrators as o where o.id = v_trigger.orchestrator_id),
        -- The payload on top of the trigger's defaults: its first input.
        jsonb_build_array((v_trigger.inputs -> 0) || (p_payload - 'idempotency_key')),
        left(v_trigger.name, 150) || ' ' || to_char(now() at time zone v_trigger.timezone, 'YYYY-MM-DD HH24:MI:SS'),
        v_trigger.config,
        case when v_idempotency is not null then 'webhook ' || v_trigger.id || ' ' || left(v_idempotency, 150) end
    );
    update public.triggers set last_run_at = now(), last_batch_id = v_batch.id, last_error = null, updated_at = now()
    where id = v_trigger.id;
    return v_batch.id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.trigger_webhook(p_key text, p_payload jsonb default '{}')
returns uuid
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.trigger_webhook(p_key, p_payload);
end
$$;

comment on function orchable_rpc.trigger_webhook(text, jsonb) is
'The implementation of public.trigger_webhook, run with its owner''s rights; callable by the roles that may call public.trigger_webhook.';

comment on function public.trigger_webhook(text, jsonb) is
'For other systems (anon with an access key): launches the pipeline of the active webhook trigger p_key is bound to, with p_payload on top of the trigger''s first input as the one input; a p_payload "idempotency_key" makes a repeated call return the same batch. Returns the batch id. A wrong, revoked or unknown key raises OR035, whatever the reason.';

revoke all on function orchable_rpc.trigger_webhook(text, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.trigger_webhook(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.trigger_webhook(text, jsonb) to anon, authenticated, service_role;
grant execute on function public.trigger_webhook(text, jsonb) to anon, authenticated, service_role;
