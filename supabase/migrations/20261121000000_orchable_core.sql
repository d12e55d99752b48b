-- orchable core schema. Generated from sql/, functions/ and policies/
-- by scripts/build-migration.sh; read those folders, not this file.

-- sql/0000_schema_orchable.sql
-- orchable's private schema: internal state (task trees, merge groups) and helper
-- functions. PostgREST does not expose it; only SECURITY DEFINER RPCs in public reach it.
create schema if not exists orchable;
revoke all on schema orchable from public;

comment on schema orchable is
'orchable internals: task tree and merge bookkeeping, helpers and trigger functions. Not exposed through PostgREST.';

-- sql/0010_role_orchable_worker.sql
-- The role workers act as. A deployment grants it to the worker's login:
--   create role orchable_worker_login login password '...';
--   grant orchable_worker to orchable_worker_login;
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'orchable_worker') then
        create role orchable_worker nologin;
    end if;
end
$$;

grant usage on schema public to orchable_worker;

-- sql/0100_table_orchestrators.sql
create table public.orchestrators (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    description text,
    entry_stage_key text not null,
    definition jsonb not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint orchestrators_owner_id_name_key unique (owner_id, name),
    constraint orchestrators_name_not_blank check (btrim(name) <> '')
);

comment on table public.orchestrators is
'A pipeline: its stages are prompt_templates, its runs are task_batches. Written by upsert_orchestrator.';
comment on column public.orchestrators.owner_id is 'The user who owns the pipeline, its templates and its batches.';
comment on column public.orchestrators.name is 'Unique per owner; upsert_orchestrator is idempotent by (owner, name).';
comment on column public.orchestrators.entry_stage_key is 'The stage whose tasks launch_batch creates, one per input.';
comment on column public.orchestrators.definition is 'The JSON document last given to upsert_orchestrator.';

-- sql/0110_table_custom_components.sql
create table public.custom_components (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    description text,
    code text not null default '',
    mock_data jsonb not null default '{}',
    is_public boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    created_by uuid not null default auth.uid() references auth.users (id) on delete cascade
);

create index custom_components_created_by_idx on public.custom_components (created_by);
create index custom_components_public_idx on public.custom_components (created_at) where is_public;

comment on table public.custom_components is
'TSX components that render task results in a custom way; public ones are readable by every signed-in user.';
comment on column public.custom_components.code is 'TSX source code, executed in a sandbox by the front end.';
comment on column public.custom_components.mock_data is 'Sample props for previewing the component.';
comment on column public.custom_components.is_public is 'Readable by every signed-in user; editable only by its owner.';

-- sql/0120_table_prompt_templates.sql
create table public.prompt_templates (
    id text primary key,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    stage_key text not null,
    name text not null,
    description text,
    template text not null,
    version integer not null,
    is_active boolean not null default true,
    default_ai_settings jsonb not null default '{}',
    input_schema jsonb,
    output_schema jsonb,
    stage_config jsonb not null,
    next_stage_template_ids text [] not null default '{}',
    requires_approval boolean not null default false,
    max_retries integer not null default 3,
    organization_code text not null,
    custom_component_id uuid references public.custom_components (id) on delete set null,
    view_config jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint prompt_templates_version_positive check (version > 0),
    constraint prompt_templates_max_retries_range check (max_retries between 0 and 100),
    constraint prompt_templates_cardinality_known check (
        stage_config ->> 'cardinality' in ('1:1', '1:N', 'N:1')
    ),
    constraint prompt_templates_orchestrator_id_stage_key_version_key
    unique (orchestrator_id, stage_key, version)
);

create unique index prompt_templates_active_stage_key
on public.prompt_templates (orchestrator_id, stage_key) where is_active;
create index prompt_templates_owner_id_idx on public.prompt_templates (owner_id);
create index prompt_templates_custom_component_id_idx
on public.prompt_templates (custom_component_id) where custom_component_id is not null;

comment on table public.prompt_templates is
'The stages of a pipeline, one row per stage version; id is <orchestrator id>_<stage key>_<version>.';
comment on column public.prompt_templates.template is 'The prompt, with {{dot.path}} placeholders over the task input.';
comment on column public.prompt_templates.version is
'Bumped when the stage changes; tasks keep the template row (and so the version) they were created with.';
comment on column public.prompt_templates.is_active is 'True for the current version of each stage; new tasks use it.';
comment on column public.prompt_templates.default_ai_settings is
'provider, model, temperature, top_p, top_k, max_output_tokens; a batch''s config.ai_settings overrides them.';
comment on column public.prompt_templates.stage_config is
'cardinality (1:1, 1:N, N:1), split_path, merge_path, input_mapping, next (stage keys); merge_stage_key and split_stage_key are derived.';
comment on column public.prompt_templates.next_stage_template_ids is 'The active templates of the next stages.';
comment on column public.prompt_templates.organization_code is 'The id of the orchestrator that owns the template (seed name).';
comment on column public.prompt_templates.max_retries is 'Retryable failures allowed before a task of this stage fails for good.';

-- sql/0130_table_task_batches.sql
create table public.task_batches (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    name text not null,
    status text not null default 'pending',
    status_reason text,
    total_tasks integer not null default 0,
    completed_tasks integer not null default 0,
    failed_tasks integer not null default 0,
    config jsonb not null default '{}',
    launch_id uuid not null default gen_random_uuid(),
    idempotency_key text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    constraint task_batches_status_known check (
        status in ('pending', 'processing', 'completed', 'failed', 'paused', 'cancelled')
    ),
    constraint task_batches_counters_in_range check (
        completed_tasks >= 0 and failed_tasks >= 0
        and completed_tasks + failed_tasks <= total_tasks
    ),
    constraint task_batches_finished_or_finished_at_null check (
        (status in ('completed', 'failed', 'cancelled')) = (finished_at is not null)
    ),
    constraint task_batches_owner_id_idempotency_key_key unique (owner_id, idempotency_key)
);

create index task_batches_owner_id_created_at_idx on public.task_batches (owner_id, created_at desc);
create index task_batches_orchestrator_id_idx on public.task_batches (orchestrator_id);
create index task_batches_held_idx on public.task_batches (id) where status in ('paused', 'cancelled');

comment on table public.task_batches is
'A run of a pipeline over a list of inputs: one root task per input. Counters and status are kept by triggers.';
comment on column public.task_batches.status is
'pending (nothing claimed yet), processing, completed (every input finished), failed (every input finished, some failed), paused, cancelled.';
comment on column public.task_batches.status_reason is 'Why the batch was paused or cancelled.';
comment on column public.task_batches.total_tasks is 'The number of inputs (root tasks).';
comment on column public.task_batches.completed_tasks is 'Inputs whose whole task tree has completed.';
comment on column public.task_batches.failed_tasks is 'Inputs with a task that failed for good.';
comment on column public.task_batches.config is 'Batch settings; config.ai_settings overrides the stages'' default_ai_settings.';
comment on column public.task_batches.launch_id is 'Run identifier, copied to every task of the batch.';
comment on column public.task_batches.idempotency_key is 'Launching again with the same key returns this batch.';

-- sql/0140_table_ai_tasks.sql
create table public.ai_tasks (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    launch_id uuid not null,
    task_type text not null,
    stage_key text not null,
    status text not null default 'plan',
    input_data jsonb not null default '{}',
    output_data jsonb,
    error_message text,
    prompt_template_id text not null references public.prompt_templates (id),
    parent_task_id uuid references public.ai_tasks (id) on delete cascade,
    root_task_id uuid not null,
    hierarchy_path jsonb not null default '[]',
    step_number integer not null default 1,
    next_task_config jsonb,
    extra jsonb not null default '{}',
    requires_approval boolean not null default false,
    approved_at timestamptz,
    retry_count integer not null default 0,
    max_retries integer not null default 3,
    split_task_id uuid,
    branch_index integer,
    run_after timestamptz not null default now(),
    claim_token uuid,
    locked_by text,
    locked_until timestamptz,
    claim_count integer not null default 0,
    lease_expired_count integer not null default 0,
    usage jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    completed_at timestamptz,
    constraint ai_tasks_status_known check (
        status in ('plan', 'processing', 'generated', 'completed', 'failed', 'cancelled')
    ),
    constraint ai_tasks_processing_has_lease check (
        (status = 'processing') = (claim_token is not null and locked_until is not null)
    ),
    constraint ai_tasks_completed_or_completed_at_null check (
        (status = 'completed') = (completed_at is not null)
    ),
    constraint ai_tasks_root_has_no_parent check (
        (parent_task_id is null) = (root_task_id = id)
    ),
    constraint ai_tasks_branch_has_index check ((split_task_id is null) = (branch_index is null)),
    constraint ai_tasks_retry_count_in_range check (retry_count >= 0 and retry_count <= max_retries)
);

-- The claim: exactly the predicate and order of v_runnable_tasks. A processing task
-- whose lease has expired sorts by locked_until, so one index serves both.
create index ai_tasks_runnable_idx on public.ai_tasks (
    (case when status = 'processing' then locked_until else run_after end)
) where status in ('plan', 'processing');
-- No task gets a second child of one stage from one parent (fan-out happens once).
create unique index ai_tasks_one_child_per_stage_key
on public.ai_tasks (parent_task_id, stage_key, branch_index) nulls not distinct
where parent_task_id is not null;
create index ai_tasks_batch_id_stage_key_status_idx on public.ai_tasks (batch_id, stage_key, status);
create index ai_tasks_owner_id_created_at_idx on public.ai_tasks (owner_id, created_at desc);
create index ai_tasks_root_task_id_idx on public.ai_tasks (root_task_id);
create index ai_tasks_split_task_id_idx on public.ai_tasks (split_task_id, stage_key, branch_index)
where split_task_id is not null;
create index ai_tasks_prompt_template_id_idx on public.ai_tasks (prompt_template_id);

comment on table public.ai_tasks is
'One unit of AI work, and the queue workers claim from: plan -> processing -> generated -> completed, or failed / cancelled.';
comment on column public.ai_tasks.task_type is 'Routing type (the stage''s task_type, or its key).';
comment on column public.ai_tasks.status is
'plan (waiting), processing (claimed, leased), generated (output stored, awaiting approval), completed, failed, cancelled.';
comment on column public.ai_tasks.input_data is 'The input the prompt is rendered from.';
comment on column public.ai_tasks.output_data is 'The model''s JSON output (or the approver''s edit).';
comment on column public.ai_tasks.prompt_template_id is 'The template row, and so the version, this task was created with.';
comment on column public.ai_tasks.root_task_id is 'The root task (one per input) of this task''s tree; itself for a root.';
comment on column public.ai_tasks.hierarchy_path is 'Ancestor ids, [root_id, ..., parent_id]; empty for a root.';
comment on column public.ai_tasks.retry_count is 'Retryable failures spent; a claim or an expired lease is not one.';
comment on column public.ai_tasks.split_task_id is 'The task whose output was split into this task''s branch (innermost open split).';
comment on column public.ai_tasks.branch_index is 'This branch''s 0-based position in that split; merges keep this order.';
comment on column public.ai_tasks.run_after is 'A plan task is runnable from this time on (retry backoff).';
comment on column public.ai_tasks.claim_token is 'New at every claim; completing or failing needs the current one.';
comment on column public.ai_tasks.locked_until is 'End of the lease; after it another worker may claim the task.';
comment on column public.ai_tasks.lease_expired_count is 'Leases that ran out; too many make the task fail as poison.';
comment on column public.ai_tasks.usage is 'Token usage the worker reported with the output.';

-- sql/0150_table_task_events.sql
create table public.task_events (
    id bigint generated always as identity primary key,
    owner_id uuid not null references auth.users (id) on delete cascade,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    task_id uuid,
    event text not null,
    from_status text,
    to_status text not null,
    detail jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint task_events_event_known check (event in ('task_status', 'batch_status')),
    constraint task_events_task_event_has_task check ((event = 'task_status') = (task_id is not null))
);

create index task_events_batch_id_id_idx on public.task_events (batch_id, id);
create index task_events_task_id_idx on public.task_events (task_id) where task_id is not null;
create index task_events_owner_id_id_idx on public.task_events (owner_id, id desc);

comment on table public.task_events is
'Append-only log of every task and batch status change, written by triggers.';
comment on column public.task_events.event is 'task_status or batch_status.';
comment on column public.task_events.from_status is 'The status before the change; null when the row was created.';
comment on column public.task_events.detail is 'What came with the change: worker, error, attempt, reason.';

-- sql/0160_table_task_trees.sql
create table orchable.task_trees (
    root_task_id uuid primary key references public.ai_tasks (id) on delete cascade,
    batch_id uuid not null,
    open_count integer not null default 0,
    failed_count integer not null default 0,
    cancelled_count integer not null default 0,
    constraint task_trees_counts_not_negative check (
        open_count >= 0 and failed_count >= 0 and cancelled_count >= 0
    )
);

comment on table orchable.task_trees is
'Per input (root task): how many tasks of its tree are open, failed and cancelled. Its outcome drives the batch counters.';

-- sql/0170_table_merge_groups.sql
create table orchable.merge_groups (
    split_task_id uuid not null references public.ai_tasks (id) on delete cascade,
    merge_stage_key text not null,
    expected_count integer not null,
    arrived_count integer not null default 0,
    merged_at timestamptz,
    primary key (split_task_id, merge_stage_key),
    constraint merge_groups_arrivals_in_range check (arrived_count between 0 and expected_count)
);

comment on table orchable.merge_groups is
'One row per split awaiting its N:1 merge: branches expected and arrived. Its row lock makes the merge fire exactly once.';

-- sql/0200_table_user_api_keys.sql
create table public.user_api_keys (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    provider text not null,
    key_name text not null,
    api_key_encrypted text not null,
    key_prefix text not null,
    is_active boolean not null default true,
    priority integer not null default 0,
    model_preference text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Lets api_key_health carry owner_id with a foreign key that keeps it equal to ours.
    constraint user_api_keys_id_owner_id_key unique (id, owner_id),
    constraint user_api_keys_provider_is_slug check (provider ~ '^[a-z][a-z0-9_.-]*$'),
    constraint user_api_keys_key_name_not_blank check (btrim(key_name) <> ''),
    -- '<key-encryption key id>:<base64 PGP message>': a plain key can never be stored here.
    constraint user_api_keys_api_key_encrypted_is_ciphertext check (
        api_key_encrypted ~ '^[0-9]+:[A-Za-z0-9+/]+={0,2}$'
    ),
    constraint user_api_keys_model_preference_not_blank check (btrim(model_preference) <> '')
);

-- acquire_api_key: an owner's usable keys for one provider, best priority first.
create index user_api_keys_owner_id_provider_priority_idx
on public.user_api_keys (owner_id, provider, priority desc)
where is_active;
-- An owner's list of keys.
create index user_api_keys_owner_id_created_at_idx on public.user_api_keys (owner_id, created_at desc);

comment on table public.user_api_keys is
'LLM provider API keys of a user, encrypted at rest; the worker gets one in clear only from acquire_api_key.';
comment on column public.user_api_keys.id is 'The key''s id; acquire_api_key returns it as api_key_id, report_api_key_result takes it.';
comment on column public.user_api_keys.owner_id is 'The user who owns the key; only their batches use it.';
comment on column public.user_api_keys.provider is 'The LLM provider the key is for, lower case (gemini, openai, ...).';
comment on column public.user_api_keys.key_name is 'A name for the key, shown to its owner.';
comment on column public.user_api_keys.api_key_encrypted is
'Ciphertext only: <key-encryption key id>:<base64 pgp_sym_encrypt message>. Not granted to any API role.';
comment on column public.user_api_keys.key_prefix is
'A masked form of the key for display (first 4 and last 4 characters of a key of 20 or more).';
comment on column public.user_api_keys.is_active is
'Whether the worker may use the key; report_api_key_result turns it off on an invalid key or too many failures.';
comment on column public.user_api_keys.priority is 'Higher is tried first by acquire_api_key.';
comment on column public.user_api_keys.model_preference is
'The model this key is meant for; acquire_api_key prefers it (or a key with none) for that model.';
comment on column public.user_api_keys.created_at is 'When add_api_key stored the key.';
comment on column public.user_api_keys.updated_at is 'When add_api_key or report_api_key_result last changed the row.';

-- sql/0210_table_api_key_health.sql
create table public.api_key_health (
    user_api_key_id uuid primary key,
    owner_id uuid not null,
    last_used_at timestamptz,
    consecutive_failures integer not null default 0,
    blocked_until timestamptz,
    block_reason text,
    total_calls bigint not null default 0,
    total_failures bigint not null default 0,
    last_error text,
    updated_at timestamptz not null default now(),
    -- The key's row, and the same owner as the key (so RLS can read owner_id here).
    constraint api_key_health_user_api_key_id_owner_id_fkey foreign key (user_api_key_id, owner_id)
    references public.user_api_keys (id, owner_id) on delete cascade,
    constraint api_key_health_counts_not_negative check (
        consecutive_failures >= 0 and total_failures >= 0 and total_calls >= 0
    ),
    constraint api_key_health_failures_within_calls check (total_failures <= total_calls),
    constraint api_key_health_blocked_has_reason check (blocked_until is null or block_reason is not null)
);

create index api_key_health_owner_id_idx on public.api_key_health (owner_id);

comment on table public.api_key_health is
'Usage and failure state of one API key: acquire_api_key skips blocked keys; report_api_key_result writes it.';
comment on column public.api_key_health.user_api_key_id is 'The key (user_api_keys.id).';
comment on column public.api_key_health.owner_id is 'The key''s owner, copied so row-level security needs no join.';
comment on column public.api_key_health.last_used_at is
'When acquire_api_key last handed out the key; the least recently used key goes first.';
comment on column public.api_key_health.consecutive_failures is
'Failures since the last success; cooldowns grow with it, and at 10 the key is deactivated.';
comment on column public.api_key_health.blocked_until is 'The key is not handed out before this time (rate limit or error cooldown).';
comment on column public.api_key_health.block_reason is
'Why the key is blocked or deactivated: rate_limited, server_error, timeout, invalid_key, too_many_failures: <error>.';
comment on column public.api_key_health.total_calls is 'Calls reported with report_api_key_result.';
comment on column public.api_key_health.total_failures is 'Reported calls that failed.';
comment on column public.api_key_health.last_error is 'The error text of the last failed call.';
comment on column public.api_key_health.updated_at is 'When acquire_api_key or report_api_key_result last changed the row.';

-- sql/0220_table_key_encryption_keys.sql
-- The key-encryption keys (KEK) API keys are encrypted with. Private: no role is granted
-- anything on it; only SECURITY DEFINER functions owned by the migration owner read it.
create table orchable.key_encryption_keys (
    id integer primary key generated always as identity,
    key_material bytea not null default extensions.gen_random_bytes(32),
    created_at timestamptz not null default now(),
    constraint key_encryption_keys_key_material_is_256_bits check (octet_length(key_material) = 32)
);

comment on table orchable.key_encryption_keys is
'Key-encryption keys for user_api_keys.api_key_encrypted; the newest encrypts, each ciphertext names the one it needs.';
comment on column orchable.key_encryption_keys.id is 'Named in every ciphertext (<id>:<message>); the highest id encrypts new keys.';
comment on column orchable.key_encryption_keys.created_at is 'When the key was generated.';
comment on column orchable.key_encryption_keys.key_material is '32 random bytes, generated in the database at migration time.';

-- The first key, generated once when the migration runs.
insert into orchable.key_encryption_keys default values;

-- sql/0300_view_v_runnable_tasks.sql
create view public.v_runnable_tasks with (security_invoker = true) as
select
    t.*,
    case when t.status = 'processing' then t.locked_until else t.run_after end as available_at
from public.ai_tasks as t
where
    t.status in ('plan', 'processing')
    and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
    and not exists (
        select from public.task_batches as b
        where b.id = t.batch_id and b.status in ('paused', 'cancelled')
    );

comment on view public.v_runnable_tasks is
'The tasks a worker may claim now: planned and due, or processing with an expired lease, in a batch that is not paused or cancelled.';

-- sql/0310_view_v_stage_progress.sql
create view public.v_stage_progress with (security_invoker = true) as
select
    t.batch_id,
    t.stage_key,
    count(*) as task_count,
    count(*) filter (where t.status = 'plan') as plan_count,
    count(*) filter (where t.status = 'processing') as processing_count,
    count(*) filter (where t.status = 'generated') as generated_count,
    count(*) filter (where t.status = 'completed') as completed_count,
    count(*) filter (where t.status = 'failed') as failed_count,
    count(*) filter (where t.status = 'cancelled') as cancelled_count
from public.ai_tasks as t
group by t.batch_id, t.stage_key;

comment on view public.v_stage_progress is
'Task counts by status for each stage of each batch.';

-- functions/0500_encrypt_api_key.sql
-- Encrypts an API key with the newest key-encryption key. Returns
-- '<key-encryption key id>:<base64 PGP message>' (AES-256, integrity-checked by the PGP MDC).
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create function orchable._encrypt_api_key(p_plaintext text)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_kek orchable.key_encryption_keys;
begin
    select kek.* into v_kek
    from orchable.key_encryption_keys as kek
    order by kek.id desc
    limit 1;
    if not found then
        raise exception 'no key-encryption key'
            using errcode = 'OR105',
            detail = 'orchable.key_encryption_keys is empty.',
            hint = 'Insert one: insert into orchable.key_encryption_keys default values;';
    end if;
    -- The passphrase is 256 random bits, so S2K stretching (mode 3) would only cost time
    -- at every acquire: salted S2K (mode 1) is enough. No compression: nothing to gain.
    return v_kek.id::text || ':' || replace(
        encode(
            extensions.pgp_sym_encrypt(
                p_plaintext,
                encode(v_kek.key_material, 'hex'),
                'cipher-algo=aes256, compress-algo=0, s2k-mode=1, s2k-digest-algo=sha256'
            ),
            'base64'
        ),
        e'\n', ''
    );
end
$$;

comment on function orchable._encrypt_api_key(text) is
'Encrypts an API key with the newest key-encryption key: <kek id>:<base64 pgp_sym_encrypt message>.
Private helper of add_api_key; nobody is granted execute.';
revoke all on function orchable._encrypt_api_key(text) from public, anon, authenticated, service_role;

-- functions/0510_decrypt_api_key.sql
-- Decrypts what orchable._encrypt_api_key returned, with the key-encryption key it names.
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create function orchable._decrypt_api_key(p_ciphertext text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_key_material bytea;
begin
    select kek.key_material into v_key_material
    from orchable.key_encryption_keys as kek
    where kek.id = nullif(split_part(p_ciphertext, ':', 1), '')::integer;
    if not found then
        raise exception 'no key-encryption key for this ciphertext'
            using errcode = 'OR105',
            detail = format('The ciphertext names key-encryption key %s, which does not exist.',
                split_part(p_ciphertext, ':', 1)),
            hint = 'A key-encryption key was deleted while keys still used it; re-add those API keys.';
    end if;
    return extensions.pgp_sym_decrypt(
        decode(split_part(p_ciphertext, ':', 2), 'base64'),
        encode(v_key_material, 'hex')
    );
end
$$;

comment on function orchable._decrypt_api_key(text) is
'Decrypts user_api_keys.api_key_encrypted with the key-encryption key it names.
Private helper of acquire_api_key; nobody is granted execute.';
revoke all on function orchable._decrypt_api_key(text) from public, anon, authenticated, service_role;

-- functions/0520_add_api_key.sql
-- SECURITY DEFINER: callers may not insert into user_api_keys nor read the key-encryption keys.
create function public.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_uid uuid := auth.uid();
    v_owner_id uuid := coalesce(auth.uid(), p_owner_id);
    v_provider text := lower(btrim(p_provider));
    v_api_key text := btrim(p_api_key);
    v_prefix text;
    v_row public.user_api_keys;
begin
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception 'cannot add an API key for another user'
            using errcode = 'OR104',
            detail = 'p_owner_id differs from the signed-in user.',
            hint = 'Leave p_owner_id out: a signed-in user''s keys are their own.';
    end if;
    if v_owner_id is null then
        raise exception 'no owner for the API key'
            using errcode = 'OR103',
            detail = 'There is no signed-in user and p_owner_id is null.',
            hint = 'Call as a signed-in user, or pass p_owner_id.';
    end if;
    if not exists (select from auth.users as u where u.id = v_owner_id) then
        raise exception 'owner % is not a user', v_owner_id
            using errcode = 'OR103',
            detail = 'No row in auth.users has this id.',
            hint = 'Pass the id of an existing user as p_owner_id.';
    end if;
    if v_provider is null or v_provider !~ '^[a-z][a-z0-9_.-]*$' then
        raise exception 'invalid provider %', coalesce(quote_literal(p_provider), 'null')
            using errcode = 'OR100',
            detail = 'A provider is a lower-case name: a letter, then letters, digits, ".", "_" or "-".',
            hint = 'For example gemini or openai.';
    end if;
    if v_api_key is null or v_api_key = '' then
        raise exception 'the API key is empty'
            using errcode = 'OR100',
            detail = 'p_api_key is null or blank.',
            hint = 'Pass the key the provider issued.';
    end if;
    if v_api_key ~ '\s' then
        raise exception 'the API key contains white space'
            using errcode = 'OR100',
            detail = 'Provider keys have no spaces or line breaks; this looks like a paste error.',
            hint = 'Pass the key alone.';
    end if;

    -- Show at most 8 characters, and only of a key long enough to keep 12 hidden.
    v_prefix := case
        when length(v_api_key) >= 20 then left(v_api_key, 4) || '…' || right(v_api_key, 4)
        else '…'
    end;

    insert into public.user_api_keys (
        owner_id, provider, key_name, api_key_encrypted, key_prefix, priority, model_preference
    )
    values (
        v_owner_id,
        v_provider,
        coalesce(nullif(btrim(p_key_name), ''), v_provider || ' ' || v_prefix),
        orchable._encrypt_api_key(v_api_key),
        v_prefix,
        coalesce(p_priority, 0),
        nullif(btrim(p_model_preference), '')
    )
    returning * into v_row;

    insert into public.api_key_health (user_api_key_id, owner_id)
    values (v_row.id, v_row.owner_id);

    -- Never echo the ciphertext (nor, of course, the key).
    v_row.api_key_encrypted := null;
    return v_row;
end
$$;

comment on function public.add_api_key(text, text, text, integer, text, uuid) is
'Stores an API key of the signed-in user (or of p_owner_id, for service_role), encrypted.
Returns the new row with api_key_encrypted set to null; key_prefix shows a masked form of the key.
Errors: OR100 invalid provider or empty key, OR103 no owner or unknown owner, OR104 p_owner_id of another user.';
revoke all on function public.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function public.add_api_key(text, text, text, integer, text, uuid) to authenticated, service_role;

-- functions/0530_acquire_api_key.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
create function public.acquire_api_key(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_now timestamptz default null
)
returns table (api_key_id uuid, api_key text, key_name text, model_preference text)
language sql
volatile
security definer
set search_path = ''
as $$
    with chosen as (
        select h.user_api_key_id
        from public.user_api_keys as k
        inner join public.api_key_health as h on h.user_api_key_id = k.id
        where
            k.owner_id = p_owner_id
            and k.provider = p_provider
            and k.is_active
            and (h.blocked_until is null or h.blocked_until <= coalesce(p_now, now()))
        order by
            -- For a given model: keys meant for it, or for no model in particular, first.
            (p_model is not null and k.model_preference is not null and k.model_preference <> p_model),
            k.priority desc,
            h.last_used_at asc nulls first,
            k.id
        limit 1
        for update of h skip locked
    ),

    used as (
        update public.api_key_health as h
        set last_used_at = coalesce(p_now, now()), updated_at = coalesce(p_now, now())
        from chosen
        where h.user_api_key_id = chosen.user_api_key_id
        returning h.user_api_key_id
    )

    select k.id, orchable._decrypt_api_key(k.api_key_encrypted), k.key_name, k.model_preference
    from used
    inner join public.user_api_keys as k on k.id = used.user_api_key_id
$$;

comment on function public.acquire_api_key(uuid, text, text, timestamptz) is
'Hands the worker the healthiest usable key of an owner for a provider, in clear, and marks it used.
Usable: active and not blocked. Order: meant for p_model (or for no model) first, then priority (higher first),
then least recently used. Concurrent callers skip each other''s key (for update skip locked).
Returns no row when no key is usable: wait and try again.';
revoke all on function public.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.acquire_api_key(uuid, text, text, timestamptz) to orchable_worker, service_role;

-- functions/0540_report_api_key_result.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables; this is its only way
-- to write a key's health.
create function public.report_api_key_result(
    p_api_key_id uuid,
    p_outcome text,
    p_retry_after_seconds integer default null,
    p_error text default null,
    p_now timestamptz default null
)
returns public.api_key_health
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_health public.api_key_health;
    v_failures integer;
    v_cooldown interval;
    v_reason text;
    v_deactivate boolean := false;
begin
    if p_outcome is null
        or p_outcome not in ('success', 'rate_limited', 'server_error', 'timeout', 'invalid_key') then
        raise exception 'unknown outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR102',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, server_error, timeout or invalid_key.';
    end if;
    if p_retry_after_seconds < 0 then
        raise exception 'negative retry-after: % seconds', p_retry_after_seconds
            using errcode = 'OR100',
            detail = 'p_retry_after_seconds must be zero or more.',
            hint = 'Pass the Retry-After the provider sent, or null.';
    end if;

    select h.* into v_health
    from public.api_key_health as h
    where h.user_api_key_id = p_api_key_id
    for update;
    if not found then
        raise exception 'API key % not found', p_api_key_id
            using errcode = 'OR101',
            detail = 'No user_api_keys row has this id.',
            hint = 'Report the api_key_id acquire_api_key returned; the key may have been deleted.';
    end if;

    if p_outcome = 'success' then
        update public.api_key_health as h
        set
            consecutive_failures = 0,
            blocked_until = null,
            -- A deactivated key keeps the reason it was deactivated for.
            block_reason = case when k.is_active then null else h.block_reason end,
            total_calls = h.total_calls + 1,
            updated_at = v_now
        from public.user_api_keys as k
        where h.user_api_key_id = p_api_key_id and k.id = h.user_api_key_id
        returning h.* into v_health;
        return v_health;
    end if;

    v_failures := v_health.consecutive_failures + 1;
    v_reason := p_outcome;
    if p_outcome = 'rate_limited' then
        v_cooldown := make_interval(secs => coalesce(
            p_retry_after_seconds, least(30 * power(2, least(v_failures, 20) - 1), 3600)
        ));
    elsif p_outcome in ('server_error', 'timeout') then
        v_cooldown := make_interval(secs => least(5 * power(2, least(v_failures, 20) - 1), 300));
    else
        v_deactivate := true;
    end if;
    if v_failures >= 10 and not v_deactivate then
        v_deactivate := true;
        v_reason := 'too_many_failures: ' || coalesce(p_error, p_outcome);
    end if;

    update public.api_key_health as h
    set
        consecutive_failures = v_failures,
        -- A cooldown never shortens a longer block already in force.
        blocked_until = greatest(h.blocked_until, v_now + v_cooldown),
        block_reason = v_reason,
        total_calls = h.total_calls + 1,
        total_failures = h.total_failures + 1,
        last_error = coalesce(p_error, h.last_error),
        updated_at = v_now
    where h.user_api_key_id = p_api_key_id
    returning h.* into v_health;

    if v_deactivate then
        update public.user_api_keys as k
        set is_active = false, updated_at = v_now
        where k.id = p_api_key_id;
    end if;
    return v_health;
end
$$;

comment on function public.report_api_key_result(uuid, text, integer, text, timestamptz) is
'Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; a streak of 10 failures deactivates it (too_many_failures: <error>).
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to orchable_worker, service_role;

-- policies/0200_user_api_keys.sql
alter table public.user_api_keys enable row level security;

-- No API role may read api_key_encrypted, not even the owner or service_role: every
-- column but that one is granted by name. Rows are created by add_api_key only.
revoke all on table public.user_api_keys from anon, authenticated, service_role, orchable_worker;
grant select (
    id, owner_id, provider, key_name, key_prefix, is_active, priority, model_preference, created_at, updated_at
) on table public.user_api_keys to authenticated, service_role;
grant update (key_name, is_active, priority, model_preference) on table public.user_api_keys
to authenticated, service_role;
grant delete on table public.user_api_keys to authenticated, service_role;

create policy "Owners can read their own keys"
on public.user_api_keys
for select
to authenticated
using ((select auth.uid()) = owner_id);

create policy "Owners can update their own keys"
on public.user_api_keys
for update
to authenticated
using ((select auth.uid()) = owner_id)
with check ((select auth.uid()) = owner_id);

create policy "Owners can delete their own keys"
on public.user_api_keys
for delete
to authenticated
using ((select auth.uid()) = owner_id);

-- policies/0210_api_key_health.sql
alter table public.api_key_health enable row level security;

-- Read only through the API: report_api_key_result and acquire_api_key write it.
revoke all on table public.api_key_health from anon, authenticated, service_role, orchable_worker;
grant select on table public.api_key_health to authenticated, service_role;

create policy "Owners can read the health of their own keys"
on public.api_key_health
for select
to authenticated
using ((select auth.uid()) = owner_id);

-- policies/0220_key_encryption_keys.sql
-- No policy: with row-level security on, every role but the owner (and BYPASSRLS roles,
-- which also lack privileges here) sees no row. Nothing is granted to anyone.
alter table orchable.key_encryption_keys enable row level security;

revoke all on table orchable.key_encryption_keys from public, anon, authenticated, service_role, orchable_worker;
