-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/platform/0040_table_access_keys.sql (by hand: a key may now sign in to the console)
alter table public.access_keys drop constraint access_keys_scopes_known;
alter table public.access_keys add constraint access_keys_scopes_known
check (scopes <@ array['trigger_webhook', 'console']);
comment on column public.access_keys.scopes is 'What the key may do: trigger_webhook (launch the webhook trigger it is bound to), console (sign in to the console of orchable serve, and its API, as the owner).';

-- functions/platform/0050_create_access_key.sql
-- SECURITY DEFINER: users may not insert access keys directly; the key is made here, from
-- the server's randomness, and shown once.
create or replace function orchable_rpc.create_access_key(
    p_name text,
    p_scopes text[] default '{trigger_webhook}',
    p_owner_id uuid default null
)
returns table (id uuid, key text, key_prefix text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := orchable._owner_for(p_owner_id, 'create_access_key');
    v_key text;
begin
    if coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then
        raise exception 'p_name must be 1 to 200 characters'
            using errcode = 'OR003', hint = 'name the key after the system that will hold it';
    end if;
    if p_scopes is null or cardinality(p_scopes) = 0 or not p_scopes <@ array['trigger_webhook', 'console'] then
        raise exception 'p_scopes % are not known', coalesce(p_scopes::text, 'null')
            using errcode = 'OR003', hint = 'scopes are trigger_webhook (launch a webhook trigger) and console (sign in to the console)';
    end if;
    -- 32 random bytes, URL-safe base64 without padding: 256 bits behind a readable prefix.
    v_key := 'orch_' || translate(rtrim(encode(extensions.gen_random_bytes(32), 'base64'), '='), '+/', '-_');
    id := gen_random_uuid();
    key_prefix := left(v_key, 12);
    key := v_key;
    insert into public.access_keys (id, owner_id, name, key_prefix, key_hash, scopes)
    values (id, v_owner_id, btrim(p_name), key_prefix, extensions.digest(v_key, 'sha256'), p_scopes);
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.create_access_key(
    p_name text,
    p_scopes text[] default '{trigger_webhook}',
    p_owner_id uuid default null
)
returns table (id uuid, key text, key_prefix text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.create_access_key(p_name, p_scopes, p_owner_id);
end
$$;

comment on function orchable_rpc.create_access_key(text, text[], uuid) is
'The implementation of public.create_access_key, run with its owner''s rights; callable by the roles that may call public.create_access_key.';

comment on function public.create_access_key(text, text[], uuid) is
'Makes an access key of the signed-in user (service_role: of p_owner_id) and returns it, the only time it is shown; only its SHA-256 hash and its first 12 characters are kept. p_scopes: trigger_webhook (the default: launch the webhook trigger the key is bound to), console (sign in to the console of orchable serve as the owner).';

revoke all on function orchable_rpc.create_access_key(text, text[], uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_access_key(text, text[], uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_access_key(text, text[], uuid) to authenticated, service_role;
grant execute on function public.create_access_key(text, text[], uuid) to authenticated, service_role;

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

-- functions/console/1400_sign_in_with_access_key.sql
-- SECURITY DEFINER: orchable serve reads no table as itself. Who an access key with the
-- console scope signs in as: its owner, whom the console then acts as (`authenticated`
-- with the owner's claims). A key that is wrong, unknown, revoked or without the console
-- scope raises the same error (OR035), so a caller learns nothing about which keys exist;
-- keys are compared by their SHA-256. The console signs in on every request, so the key's
-- last_used_at moves at most once a minute rather than with each request.
create or replace function orchable_rpc.sign_in_with_access_key(p_key text)
returns table (user_id uuid, email text, key_id uuid, key_name text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key public.access_keys;
begin
    select k.* into v_key from public.access_keys as k
    where k.key_hash = extensions.digest(coalesce(p_key, ''), 'sha256')
        and k.revoked_at is null and 'console' = any(k.scopes);
    if not found then
        raise exception 'the access key is not valid'
            using errcode = 'OR035',
            hint = 'sign in with an access key made with the console scope (create_access_key), not revoked';
    end if;
    update public.access_keys set last_used_at = now()
    where id = v_key.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
    return query
    select v_key.owner_id, u.email::text, v_key.id, v_key.name
    from auth.users as u where u.id = v_key.owner_id;
end
$$;

-- The RPC runs with the caller's rights and hands over to the implementation above, so no
-- SECURITY DEFINER function lives in an exposed schema.
create or replace function public.sign_in_with_access_key(p_key text)
returns table (user_id uuid, email text, key_id uuid, key_name text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.sign_in_with_access_key(p_key);
end
$$;

comment on function orchable_rpc.sign_in_with_access_key(text) is
'The implementation of public.sign_in_with_access_key, run with its owner''s rights; callable by the roles that may call public.sign_in_with_access_key.';

comment on function public.sign_in_with_access_key(text) is
'For orchable serve''s console: the owner (id and email) of p_key, an access key with the console scope, and the key''s id and name; the console then acts as that user. A wrong, unknown or revoked key, or one without the console scope, raises OR035, whatever the reason.';

revoke all on function orchable_rpc.sign_in_with_access_key(text) from public, anon, authenticated, service_role;
revoke all on function public.sign_in_with_access_key(text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.sign_in_with_access_key(text) to orchable_serve, service_role;
grant execute on function public.sign_in_with_access_key(text) to orchable_serve, service_role;
