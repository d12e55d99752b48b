-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/platform/0040_table_access_keys.sql
create table public.access_keys (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    key_prefix text not null,
    key_hash bytea not null,
    scopes text[] not null default '{trigger_webhook}',
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint access_keys_key_hash_key unique (key_hash),
    constraint access_keys_name_bounded check (length(btrim(name)) between 1 and 200),
    constraint access_keys_key_hash_is_sha256 check (length(key_hash) = 32),
    constraint access_keys_scopes_known check (scopes <@ array['trigger_webhook'])
);

create index access_keys_owner_id_idx on public.access_keys (owner_id);

comment on table public.access_keys is
'Keys a user hands to other systems (Torale''s and the 24/7 seed''s API keys): shown once by create_access_key, kept only as a SHA-256 hash and a display prefix, revoked with revoke_access_key.';
comment on column public.access_keys.id is 'The key''s id.';
comment on column public.access_keys.owner_id is 'The user it acts for.';
comment on column public.access_keys.name is 'What the owner calls it.';
comment on column public.access_keys.key_prefix is 'The first characters of the key, to tell keys apart; never enough to use it.';
comment on column public.access_keys.key_hash is 'SHA-256 of the key; the key itself is never stored.';
comment on column public.access_keys.scopes is 'What the key may do: trigger_webhook (launch the webhook trigger it is bound to).';
comment on column public.access_keys.created_at is 'When it was made.';
comment on column public.access_keys.last_used_at is 'When it was last used.';
comment on column public.access_keys.revoked_at is 'When it was revoked; a revoked key is refused as an unknown one is.';

-- sql/platform/0020_schema_orchable_rpc.sql: anon, for the one RPC it may call.
grant usage on schema orchable_rpc to anon;

-- sql/monitors/0930_table_triggers.sql: a webhook trigger is bound to an access key.
alter table public.triggers
add column access_key_id uuid references public.access_keys (id) on delete set null,
add constraint triggers_only_webhooks_have_a_key check (kind = 'webhook' or access_key_id is null);
-- trigger_webhook: the one trigger an access key launches.
create unique index triggers_access_key_id_key on public.triggers (access_key_id) where access_key_id is not null;
comment on column public.triggers.access_key_id is 'For webhook: the access key trigger_webhook must be called with (null once revoked or deleted: the trigger is then unreachable).';

-- functions/tasks/0355__launch_batch.sql
-- A launch, once the caller may launch p_orchestrator: every input checked against the
-- owner's limits, then one batch and one root task of the entry stage per input, all or
-- nothing; the same p_idempotency_key from the same owner returns the first batch. The
-- RPC (launch_batch) checks the caller first; tick(), monitor runs and trigger_webhook
-- launch for an owner through here.
create or replace function orchable._launch_batch(
    p_orchestrator public.orchestrators,
    p_inputs jsonb,
    p_name text,
    p_config jsonb,
    p_idempotency_key text
)
returns public.task_batches
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators := p_orchestrator;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0 then
        raise exception 'p_inputs must be a non-empty JSON array'
            using errcode = 'OR003', detail = format('got %s', coalesce(jsonb_typeof(p_inputs), 'null')),
            hint = 'pass one element per input: [{"topic": "..."}, ...]';
    end if;
    if jsonb_array_length(p_inputs) > orchable._limit('inputs_per_launch') then
        raise exception 'p_inputs has % elements; a launch takes at most %',
            jsonb_array_length(p_inputs), orchable._limit('inputs_per_launch')
            using errcode = 'OR021', detail = format('limit inputs_per_launch = %s', orchable._limit('inputs_per_launch')),
            hint = 'launch the inputs in several batches';
    end if;
    perform orchable._check_json_limits(p_inputs, 'p_inputs');
    perform orchable._check_json_limits(p_config, 'p_config');
    if length(p_name) > 200 or length(p_idempotency_key) > 200 then
        raise exception 'p_name and p_idempotency_key are at most 200 characters long'
            using errcode = 'OR003',
            detail = format('p_name: %s, p_idempotency_key: %s', length(p_name), length(p_idempotency_key)),
            hint = 'use a shorter name, or a hash of what identifies the launch as its key';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    select * into v_entry from public.prompt_templates
    where orchestrator_id = v_orchestrator.id and stage_key = v_orchestrator.entry_stage_key and is_active;

    insert into public.task_batches (owner_id, orchestrator_id, name, config, idempotency_key)
    values (
        v_orchestrator.owner_id, v_orchestrator.id,
        coalesce(p_name, format('%s %s', v_orchestrator.name, to_char(now(), 'YYYY-MM-DD HH24:MI:SS'))),
        p_config, p_idempotency_key
    )
    on conflict (owner_id, idempotency_key) do nothing
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches
        where owner_id = v_orchestrator.owner_id and idempotency_key = p_idempotency_key;
        return v_batch;
    end if;

    insert into public.ai_tasks (
        id, root_task_id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key,
        input_data, prompt_template_id, requires_approval, max_retries
    )
    select
        i.id, i.id, v_batch.owner_id, v_batch.orchestrator_id, v_batch.id, v_batch.launch_id,
        coalesce(v_entry.stage_config ->> 'task_type', v_entry.stage_key), v_entry.stage_key,
        i.input, v_entry.id, v_entry.requires_approval, v_entry.max_retries
    from (
        select orchable.time_ordered_uuid() as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

comment on function orchable._launch_batch(public.orchestrators, jsonb, text, jsonb, text) is
'Launches a batch of p_orchestrator for its owner (the caller already checked): inputs checked (OR003, OR021), one root task per input, idempotent by p_idempotency_key.';

-- functions/tasks/0360_launch_batch.sql
-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create or replace function orchable_rpc.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators;
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    return orchable._launch_batch(v_orchestrator, p_inputs, p_name, p_config, p_idempotency_key);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.launch_batch(p_orchestrator_id, p_inputs, p_name, p_config, p_idempotency_key);
end
$$;

comment on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) is
'The implementation of public.launch_batch, run with its owner''s rights; callable by the roles that may call public.launch_batch.';

comment on function public.launch_batch(uuid, jsonb, text, jsonb, text) is
'Launches a batch: one root task of the entry stage per element of p_inputs, all or nothing. The same p_idempotency_key from the same owner returns the first batch.';

revoke all on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
revoke all on function public.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;
grant execute on function public.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;

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
    if p_scopes is null or cardinality(p_scopes) = 0 or not p_scopes <@ array['trigger_webhook'] then
        raise exception 'p_scopes % are not known', coalesce(p_scopes::text, 'null')
            using errcode = 'OR003', hint = 'the one scope is trigger_webhook';
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
'Makes an access key of the signed-in user (service_role: of p_owner_id) and returns it, the only time it is shown; only its SHA-256 hash and its first 12 characters are kept. p_scopes: trigger_webhook (the default).';

revoke all on function orchable_rpc.create_access_key(text, text[], uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_access_key(text, text[], uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_access_key(text, text[], uuid) to authenticated, service_role;
grant execute on function public.create_access_key(text, text[], uuid) to authenticated, service_role;

-- functions/platform/0060_revoke_access_key.sql
-- SECURITY DEFINER: access keys are changed through RPCs only.
create or replace function orchable_rpc.revoke_access_key(p_access_key_id uuid)
returns public.access_keys
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key public.access_keys;
begin
    select * into v_key from public.access_keys as k where k.id = p_access_key_id for update;
    if not found or not orchable._caller_owns(v_key.owner_id) then
        raise exception 'access key % not found', p_access_key_id
            using errcode = 'OR036', hint = 'list your keys with select * from access_keys';
    end if;
    update public.access_keys set revoked_at = coalesce(revoked_at, now())
    where id = p_access_key_id
    returning * into v_key;
    return v_key;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.revoke_access_key(p_access_key_id uuid)
returns public.access_keys
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.revoke_access_key(p_access_key_id);
end
$$;

comment on function orchable_rpc.revoke_access_key(uuid) is
'The implementation of public.revoke_access_key, run with its owner''s rights; callable by the roles that may call public.revoke_access_key.';

comment on function public.revoke_access_key(uuid) is
'Revokes the caller''s access key at once (revoking it again changes nothing); from then on it is refused as an unknown key is. OR036 for a key not theirs.';

revoke all on function orchable_rpc.revoke_access_key(uuid) from public, anon, authenticated, service_role;
revoke all on function public.revoke_access_key(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.revoke_access_key(uuid) to authenticated, service_role;
grant execute on function public.revoke_access_key(uuid) to authenticated, service_role;

-- functions/monitors/0915__start_monitor_run.sql
-- Starts one run of a monitor: its execution record, and a batch of the owner's monitor
-- pipeline whose one task searches (orchable._monitor_pipeline). The run's input carries
-- what the monitor knows, for the prompt to compare with; the monitor's config picks the
-- model. Settled by orchable.tg_task_batches__settle_monitor_run when the batch ends.
create or replace function orchable._start_monitor_run(
    p_monitor public.monitors,
    p_scheduled_for timestamptz,
    p_dry_run boolean
)
returns public.monitor_executions
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    -- Made (on the owner's first run) in a statement of its own, then read.
    v_pipeline_id uuid := orchable._monitor_pipeline(p_monitor.owner_id);
    v_pipeline public.orchestrators;
    v_batch public.task_batches;
begin
    select * into strict v_pipeline from public.orchestrators as o where o.id = v_pipeline_id;
    -- Time-ordered ids: a monitor's runs started in one transaction still sort in order.
    insert into public.monitor_executions (id, monitor_id, owner_id, scheduled_for, dry_run)
    values (orchable.time_ordered_uuid(), p_monitor.id, p_monitor.owner_id, p_scheduled_for, p_dry_run)
    returning * into v_execution;
    v_batch := orchable._launch_batch(
        v_pipeline,
        jsonb_build_array(jsonb_build_object(
            'monitor_id', p_monitor.id,
            'execution_id', v_execution.id,
            'search_query', p_monitor.search_query,
            'condition_description', p_monitor.condition_description,
            'last_known_state', coalesce(p_monitor.last_known_state, '"nothing yet: this is the first check"'),
            'last_checked_at', coalesce(to_char(p_monitor.last_run_at at time zone p_monitor.timezone,
                'YYYY-MM-DD HH24:MI'), 'never'),
            'now', to_char(now() at time zone p_monitor.timezone, 'YYYY-MM-DD HH24:MI')
                || ' (' || p_monitor.timezone || ')'
        )),
        left(p_monitor.name, 150) || ': ' || case when p_dry_run then 'dry run' else 'run' end,
        jsonb_build_object('ai_settings', jsonb_strip_nulls(jsonb_build_object(
            'model', p_monitor.config -> 'model',
            'fallback_models', p_monitor.config -> 'fallback_models'
        ))),
        'monitor run ' || v_execution.id
    );
    update public.monitor_executions as e
    set
        batch_id = v_batch.id,
        task_id = (select t.id from public.ai_tasks as t where t.batch_id = v_batch.id)
    where e.id = v_execution.id
    returning * into v_execution;
    return v_execution;
end
$$;

comment on function orchable._start_monitor_run(public.monitors, timestamptz, boolean) is
'Records a monitor execution and launches its run (one grounded_search task in a batch of its own); p_dry_run: the run notifies no one and changes nothing the monitor knows.';

-- functions/monitors/0985_add_trigger.sql
-- A new parameter, p_access_key_id: a new function (callers that name their arguments
-- call it unchanged).
drop function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb);
drop function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb);
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
        case when p_kind = 'cron' then orchable_rpc.cron_next_run(btrim(p_schedule), now(), p_timezone) end
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

-- functions/monitors/0990_tick.sql
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). One row that cannot start fails alone: its
-- schedule moves on and the error is kept, and the others start.
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
    v_monitor public.monitors;
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_error text;
begin
    monitor_runs := 0;
    trigger_launches := 0;
    for v_monitor in
        select * from public.monitors as m
        where m.state = 'active' and m.next_run_at <= v_now
        order by m.next_run_at
        limit v_limit
        for update skip locked
    loop
        begin
            perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
            monitor_runs := monitor_runs + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
            insert into public.monitor_executions (
                id, monitor_id, owner_id, scheduled_for, status, completed_at, error_message, notify_reason
            )
            values (
                orchable.time_ordered_uuid(), v_monitor.id, v_monitor.owner_id, v_monitor.next_run_at, 'failed', now(),
                'the run could not start: ' || v_error, 'failed'
            );
        end;
        update public.monitors as m
        set
            next_run_at = orchable_rpc.cron_next_run(m.schedule, v_now, m.timezone),
            last_run_at = v_now,
            updated_at = now()
        where m.id = v_monitor.id;
    end loop;

    for v_trigger in
        select * from public.triggers as t
        where t.kind = 'cron' and t.state = 'active' and t.next_run_at <= v_now
        order by t.next_run_at
        limit v_limit
        for update skip locked
    loop
        v_batch := null;
        v_error := null;
        begin
            v_batch := orchable._launch_batch(
                (select o from public.orchestrators as o where o.id = v_trigger.orchestrator_id), v_trigger.inputs,
                left(v_trigger.name, 150) || ' ' || to_char(v_trigger.next_run_at at time zone v_trigger.timezone,
                    'YYYY-MM-DD HH24:MI'),
                v_trigger.config,
                'trigger ' || v_trigger.id || ' ' || v_trigger.next_run_at
            );
            trigger_launches := trigger_launches + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
        end;
        update public.triggers as t
        set
            next_run_at = orchable_rpc.cron_next_run(t.schedule, v_now, t.timezone),
            last_run_at = v_now,
            last_batch_id = coalesce(v_batch.id, t.last_batch_id),
            last_error = v_error,
            updated_at = now()
        where t.id = v_trigger.id;
    end loop;
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

-- functions/monitors/0995_trigger_webhook.sql
-- SECURITY DEFINER: callable by anon (another system, holding an access key, calls
-- POST /rpc/trigger_webhook), which reads no table. A key that is wrong, revoked, unknown,
-- without the scope or bound to no active webhook trigger raises the same error (OR035),
-- so a caller learns nothing about which keys exist; keys are compared by their SHA-256.
create or replace function orchable_rpc.trigger_webhook(p_key text, p_payload jsonb default '{}')
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
create or replace function public.trigger_webhook(p_key text, p_payload jsonb default '{}')
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

-- policies/platform/0040_access_keys.sql
alter table public.access_keys enable row level security;
-- Keys are made (create_access_key) and revoked (revoke_access_key) through RPCs; no API
-- role reads key_hash: every other column is granted by name.
revoke all on table public.access_keys from anon, authenticated, service_role;
grant select (id, owner_id, name, key_prefix, scopes, created_at, last_used_at, revoked_at)
on table public.access_keys to authenticated, service_role;
grant delete on table public.access_keys to authenticated, service_role;

create policy "Owners can read their own access keys"
on public.access_keys for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own access keys"
on public.access_keys for delete to authenticated
using (owner_id = (select auth.uid()));

-- policies/platform/0000_orchable_internals.sql: no API role calls a private function.
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
