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
comment on column public.orchestrators.created_at is 'When the pipeline was created.';
comment on column public.orchestrators.description is 'What the pipeline does.';
comment on column public.orchestrators.id is 'The pipeline id; its templates'' ids start with it.';
comment on column public.orchestrators.updated_at is 'When the pipeline was last applied with upsert_orchestrator.';

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
comment on column public.custom_components.created_at is 'When the component was created.';
comment on column public.custom_components.created_by is 'The user who owns the component.';
comment on column public.custom_components.description is 'What the component shows.';
comment on column public.custom_components.id is 'The component id.';
comment on column public.custom_components.name is 'The component''s name.';
comment on column public.custom_components.updated_at is 'When the component last changed.';

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
    next_stage_template_ids text[] not null default '{}',
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
comment on column public.prompt_templates.created_at is 'When this version was created.';
comment on column public.prompt_templates.custom_component_id is 'A custom component that renders this stage''s results.';
comment on column public.prompt_templates.description is 'What the stage does.';
comment on column public.prompt_templates.id is '<orchestrator id>_<stage key>_<version>.';
comment on column public.prompt_templates.input_schema is 'JSON Schema of the stage''s task input.';
comment on column public.prompt_templates.name is 'The stage''s display name.';
comment on column public.prompt_templates.orchestrator_id is 'The pipeline this stage belongs to.';
comment on column public.prompt_templates.output_schema is 'JSON Schema the model''s output must match (structured output).';
comment on column public.prompt_templates.owner_id is 'The user who owns the pipeline.';
comment on column public.prompt_templates.requires_approval is 'Tasks of this stage wait in generated until a person approves them.';
comment on column public.prompt_templates.stage_key is 'The stage''s key, unique within its pipeline.';
comment on column public.prompt_templates.view_config is 'Display settings: hiddenFields, delimiters and the like.';

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
    spent_usd numeric(14, 8) not null default 0,
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
    constraint task_batches_spent_usd_not_negative check (spent_usd >= 0),
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
comment on column public.task_batches.created_at is 'When the batch was launched.';
comment on column public.task_batches.finished_at is 'When the batch completed, failed or was cancelled.';
comment on column public.task_batches.id is 'The batch id.';
comment on column public.task_batches.name is 'The batch''s name.';
comment on column public.task_batches.orchestrator_id is 'The pipeline the batch runs.';
comment on column public.task_batches.owner_id is 'The user who owns the batch (the pipeline''s owner).';
comment on column public.task_batches.started_at is 'When a task of the batch was first claimed.';
comment on column public.task_batches.updated_at is 'When the batch last changed.';
comment on column public.task_batches.spent_usd is
'USD spent on LLM calls for this batch, summed by record_llm_call; at config.budget_usd the batch pauses itself.';

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
    error_code text,
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
    provenance jsonb,
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
comment on column public.ai_tasks.error_code is 'The project error code when orchable itself failed the task (OR008 missing variable, OR009 bad split, OR014 poison).';
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
comment on column public.ai_tasks.provenance is
'Where the output came from: template_id and template_version, and what the worker reported (provider, model, api_key_id, response_id); never a key.';
comment on column public.ai_tasks.usage is 'Token usage the worker reported with the output.';
comment on column public.ai_tasks.approved_at is 'When a person approved the output.';
comment on column public.ai_tasks.batch_id is 'The batch this task belongs to.';
comment on column public.ai_tasks.claim_count is 'How many times a worker has claimed the task.';
comment on column public.ai_tasks.completed_at is 'When the task completed; set exactly when status is completed.';
comment on column public.ai_tasks.created_at is 'When the task was created.';
comment on column public.ai_tasks.error_message is 'The last error: from the worker, the model, a rejection or orchable itself.';
comment on column public.ai_tasks.extra is 'Extended configuration (seed: grt, pre_process, post_process).';
comment on column public.ai_tasks.id is 'The task id.';
comment on column public.ai_tasks.launch_id is 'The run identifier of its batch.';
comment on column public.ai_tasks.locked_by is 'The worker holding the current claim.';
comment on column public.ai_tasks.max_retries is 'Retryable failures allowed, copied from its stage when the task was created.';
comment on column public.ai_tasks.next_task_config is 'Next-stage configuration (seed column; the stage graph lives in prompt_templates).';
comment on column public.ai_tasks.orchestrator_id is 'The pipeline the task runs in.';
comment on column public.ai_tasks.owner_id is 'The user who owns the task (the pipeline''s owner).';
comment on column public.ai_tasks.parent_task_id is 'The task whose completion created this one; for a merge, the task whose output was split.';
comment on column public.ai_tasks.requires_approval is 'True when a person must approve the output before children are created.';
comment on column public.ai_tasks.stage_key is 'The stage of the pipeline this task runs.';
comment on column public.ai_tasks.started_at is 'When the task was first claimed.';
comment on column public.ai_tasks.step_number is 'Depth in its tree: 1 for a root, its parent''s step plus one otherwise.';
comment on column public.ai_tasks.updated_at is 'When the task last changed.';

-- sql/0150_table_task_events.sql
create table public.task_events (
    id bigint generated always as identity primary key,
    -- No foreign key to auth.users: events go with their batch, and an append-only log
    -- that every status change writes to should not pay a second key check per row.
    owner_id uuid not null,
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
-- v_batch_progress: the tasks of a batch that completed in the last minutes (its throughput).
create index task_events_batch_id_completed_created_at_idx on public.task_events (batch_id, created_at)
where event = 'task_status' and to_status = 'completed';

comment on table public.task_events is
'Append-only log of every task and batch status change, written by triggers.';
comment on column public.task_events.event is 'task_status or batch_status.';
comment on column public.task_events.from_status is 'The status before the change; null when the row was created.';
comment on column public.task_events.detail is 'What came with the change: worker, error, attempt, reason.';
comment on column public.task_events.batch_id is 'The batch of the task or the batch that changed.';
comment on column public.task_events.created_at is 'When the change happened.';
comment on column public.task_events.id is 'Order of the events.';
comment on column public.task_events.owner_id is 'The user who owns the batch.';
comment on column public.task_events.task_id is 'The task that changed; null for a batch event.';
comment on column public.task_events.to_status is 'The status after the change.';

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
-- The batches that hold their tasks back are read once per query into an array (an
-- InitPlan), not joined: the claim then reads ai_tasks_runnable_idx in due order and stops
-- at its limit whatever the planner guesses about held batches. As an anti-join, a paused
-- batch with many tasks made it sort every runnable task on each claim.
create view public.v_runnable_tasks with (security_invoker = true) as
select
    t.*,
    case when t.status = 'processing' then t.locked_until else t.run_after end as available_at
from public.ai_tasks as t
where
    t.status in ('plan', 'processing')
    and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
    and t.batch_id <> all(array(
        select b.id from public.task_batches as b
        where b.status in ('paused', 'cancelled')
    ));

comment on view public.v_runnable_tasks is
'The tasks a worker may claim now: planned and due, or processing with an expired lease, in a batch that is not paused or cancelled.';

-- sql/0310_view_v_stage_progress.sql
create view public.v_stage_progress with (security_invoker = true) as
select
    t.batch_id,
    t.stage_key,
    min(t.step_number) as step_number,
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
comment on column public.v_stage_progress.step_number is 'The stage''s depth in the task tree, to list stages in order.';

-- sql/0400_table_ai_models.sql
create table public.ai_models (
    provider text not null,
    model text not null,
    display_name text not null,
    input_usd_per_million numeric(12, 6),
    output_usd_per_million numeric(12, 6),
    cached_input_usd_per_million numeric(12, 6),
    context_window integer,
    price_source text,
    price_read_on date,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint ai_models_pkey primary key (provider, model),
    constraint ai_models_provider_is_slug check (provider ~ '^[a-z][a-z0-9_.-]*$'),
    constraint ai_models_model_not_blank check (btrim(model) <> ''),
    constraint ai_models_prices_not_negative check (
        input_usd_per_million >= 0 and output_usd_per_million >= 0 and cached_input_usd_per_million >= 0
    ),
    constraint ai_models_context_window_positive check (context_window > 0),
    -- A price says where and when it was read.
    constraint ai_models_price_has_source check (
        (input_usd_per_million is null and output_usd_per_million is null)
        or (price_source is not null and price_read_on is not null)
    )
);

comment on table public.ai_models is
'The LLM models orchable knows, with their list prices per million tokens; record_llm_call prices each call from it.';
comment on column public.ai_models.provider is 'The provider, as in user_api_keys.provider (gemini, openai, anthropic, offline).';
comment on column public.ai_models.model is 'The model name the provider''s API takes (gemini-2.5-flash, gpt-4o-mini, ...).';
comment on column public.ai_models.display_name is 'A name for people.';
comment on column public.ai_models.input_usd_per_million is
'USD per million input tokens not served from a cache (standard tier, shortest-prompt tier); null when unknown.';
comment on column public.ai_models.output_usd_per_million is
'USD per million output tokens, thinking tokens included; null when unknown.';
comment on column public.ai_models.cached_input_usd_per_million is
'USD per million input tokens read from the provider''s cache; null bills them at the input price.';
comment on column public.ai_models.context_window is 'Input tokens the model accepts in one call.';
comment on column public.ai_models.price_source is 'The page the prices were read from (URL).';
comment on column public.ai_models.price_read_on is 'When the prices were read from price_source.';
comment on column public.ai_models.is_active is 'Whether the worker offers the model; an inactive model is still priced.';
comment on column public.ai_models.created_at is 'When the model was added.';
comment on column public.ai_models.updated_at is 'When the row last changed (the seed updates prices in place).';

-- sql/0410_table_llm_calls.sql
create table public.llm_calls (
    id bigint generated always as identity primary key,
    -- No foreign key to auth.users: calls go with their batch, like task_events.
    owner_id uuid not null,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    task_id uuid not null references public.ai_tasks (id) on delete cascade,
    api_key_id uuid references public.user_api_keys (id) on delete set null,
    provider text not null,
    model text not null,
    attempt integer not null,
    outcome text not null,
    http_status integer,
    error text,
    input_tokens integer not null default 0,
    output_tokens integer not null default 0,
    cached_tokens integer not null default 0,
    thoughts_tokens integer not null default 0,
    latency_ms integer,
    cost_usd numeric(14, 8) not null default 0,
    response_id text,
    created_at timestamptz not null default now(),
    constraint llm_calls_outcome_known check (
        outcome in (
            'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
            'invalid_output', 'invalid_key', 'invalid_request'
        )
    ),
    constraint llm_calls_tokens_not_negative check (
        input_tokens >= 0 and output_tokens >= 0 and cached_tokens >= 0 and thoughts_tokens >= 0
    ),
    constraint llm_calls_latency_ms_not_negative check (latency_ms >= 0),
    constraint llm_calls_cost_usd_not_negative check (cost_usd >= 0),
    constraint llm_calls_attempt_not_negative check (attempt >= 0)
);

-- A batch's calls in time order (v_batch_progress, cost reports).
create index llm_calls_batch_id_created_at_idx on public.llm_calls (batch_id, created_at);
-- A task's calls; also serves the foreign key's cascade.
create index llm_calls_task_id_idx on public.llm_calls (task_id);
-- An owner's recent calls.
create index llm_calls_owner_id_created_at_idx on public.llm_calls (owner_id, created_at desc);
-- The foreign key's on delete set null when a key is deleted.
create index llm_calls_api_key_id_idx on public.llm_calls (api_key_id) where api_key_id is not null;

comment on table public.llm_calls is
'Append-only log of every LLM call a worker made: tokens, latency, key, outcome and cost. Written by record_llm_call.';
comment on column public.llm_calls.id is 'Order of the calls.';
comment on column public.llm_calls.owner_id is 'The user who owns the task (and pays for the call).';
comment on column public.llm_calls.batch_id is 'The batch of the task.';
comment on column public.llm_calls.task_id is 'The task the call was made for.';
comment on column public.llm_calls.api_key_id is 'The key used (user_api_keys.id), never the key; null for the offline provider or a deleted key.';
comment on column public.llm_calls.provider is 'The provider called (gemini, openai, offline).';
comment on column public.llm_calls.model is 'The model called.';
comment on column public.llm_calls.attempt is 'The task''s retry_count when the call was made (0 for the first attempt).';
comment on column public.llm_calls.outcome is
'success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
comment on column public.llm_calls.http_status is 'The HTTP status the provider answered with, when there was one.';
comment on column public.llm_calls.error is 'The error message of a failed call.';
comment on column public.llm_calls.input_tokens is 'Prompt tokens, cached ones included.';
comment on column public.llm_calls.output_tokens is 'Output tokens, thinking tokens excluded.';
comment on column public.llm_calls.cached_tokens is 'Prompt tokens served from the provider''s cache (part of input_tokens).';
comment on column public.llm_calls.thoughts_tokens is 'Thinking tokens, billed as output.';
comment on column public.llm_calls.latency_ms is 'How long the call took, in milliseconds.';
comment on column public.llm_calls.cost_usd is 'What the call cost at the ai_models prices of the moment; 0 for an unknown model.';
comment on column public.llm_calls.response_id is 'The provider''s id of the response.';
comment on column public.llm_calls.created_at is 'When the call was recorded.';

-- sql/0420_view_v_batch_progress.sql
-- One row per batch. Each lateral part reads one batch's rows through an index that
-- starts with batch_id: ai_tasks_batch_id_stage_key_status_idx, llm_calls_batch_id_created_at_idx
-- and task_events_batch_id_completed_created_at_idx.
create view public.v_batch_progress with (security_invoker = true) as
select
    b.id as batch_id,
    b.name,
    b.status,
    b.status_reason,
    b.total_tasks,
    b.completed_tasks,
    b.failed_tasks,
    case
        when b.total_tasks = 0 then 0
        else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 1)
    end::numeric(5, 1) as percent_done,
    t.plan_count,
    t.processing_count,
    t.generated_count,
    t.completed_count,
    t.failed_count,
    t.cancelled_count,
    c.llm_call_count,
    c.input_tokens,
    c.output_tokens,
    c.cached_tokens,
    c.cost_usd,
    case
        when jsonb_typeof(b.config -> 'budget_usd') = 'number' then (b.config ->> 'budget_usd')::numeric
    end as budget_usd,
    r.tasks_per_minute,
    case
        when r.tasks_per_minute > 0
            then make_interval(
                secs => round((t.plan_count + t.processing_count + t.generated_count) * 60 / r.tasks_per_minute)
            )
    end as eta,
    b.started_at,
    b.finished_at
from public.task_batches as b
cross join
    lateral (
        select
            count(*) filter (where a.status = 'plan') as plan_count,
            count(*) filter (where a.status = 'processing') as processing_count,
            count(*) filter (where a.status = 'generated') as generated_count,
            count(*) filter (where a.status = 'completed') as completed_count,
            count(*) filter (where a.status = 'failed') as failed_count,
            count(*) filter (where a.status = 'cancelled') as cancelled_count
        from public.ai_tasks as a
        where a.batch_id = b.id
    ) as t
cross join
    lateral (
        select
            count(*) as llm_call_count,
            coalesce(sum(l.input_tokens), 0)::bigint as input_tokens,
            coalesce(sum(l.output_tokens), 0)::bigint as output_tokens,
            coalesce(sum(l.cached_tokens), 0)::bigint as cached_tokens,
            coalesce(sum(l.cost_usd), 0)::numeric(14, 8) as cost_usd
        from public.llm_calls as l
        where l.batch_id = b.id
    ) as c
cross join lateral (
    select round(count(*) / 5.0, 2) as tasks_per_minute
    from public.task_events as e
    where
        e.batch_id = b.id
        and e.event = 'task_status'
        and e.to_status = 'completed'
        and e.created_at >= now() - interval '5 minutes'
) as r;

comment on view public.v_batch_progress is
'Progress, spend and pace of each batch: inputs finished, task counts by status, LLM calls, tokens and cost,
budget, tasks completed per minute over the last 5 minutes and the time left at that pace (eta).';

-- functions/0100_caller_owns.sql
-- Whether the caller may act on rows owned by p_owner_id. API callers (anon,
-- authenticated) act only for their own user id; the RPCs that use this are granted to
-- nobody else but service_role and the owner, which act for every user.
create function orchable._caller_owns(p_owner_id uuid)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        return coalesce(p_owner_id = auth.uid(), false);
    end if;
    return true;
end
$$;

comment on function orchable._caller_owns(uuid) is
'True when the calling user owns the row, or the caller is service_role or the schema owner.';

-- functions/0110_path.sql
create function orchable._path(p_dot_path text)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case when coalesce(p_dot_path, '') = '' then '{}'::text [] else string_to_array(p_dot_path, '.') end;
end
$$;

comment on function orchable._path(text) is
'Turns a dot path (questions.0.text) into the text[] path the #> operator takes.';

-- functions/0120_render_template.sql
-- Replaces every {{dot.path}} placeholder with the value at that path of the input:
-- strings as they are, other JSON as JSON text. A path that is missing from the input
-- gives no text and names the variable instead.
create function orchable._render_template(
    p_template text, p_input jsonb, out rendered text, out missing_variable text
)
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_pattern constant text := '\{\{\s*([^{}\s]+)\s*\}\}';
    v_parts text [] := regexp_split_to_array(p_template, v_pattern);
    v_match text [];
    v_value jsonb;
    v_index integer := 1;
begin
    rendered := v_parts[1];
    for v_match in select m from regexp_matches(p_template, v_pattern, 'g') as m loop
        v_value := p_input #> orchable._path(v_match[1]);
        if v_value is null then
            rendered := null;
            missing_variable := v_match[1];
            return;
        end if;
        v_index := v_index + 1;
        rendered := rendered
            || case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' else v_value::text end
            || v_parts[v_index];
    end loop;
end
$$;

comment on function orchable._render_template(text, jsonb) is
'Renders a prompt template''s {{dot.path}} placeholders over a task input; names the first missing variable.';

-- functions/0130_retry_delay.sql
create function orchable._retry_delay(p_retry_count integer)
returns interval
language plpgsql
volatile
set search_path = ''
as $$
begin
    return make_interval(secs => least(3600, 10 * power(2, greatest(p_retry_count - 1, 0))) * (0.5 + random()));
end
$$;

comment on function orchable._retry_delay(integer) is
'Exponential backoff with jitter before retry n: 10 s * 2^(n-1), capped at an hour, times 0.5 to 1.5.';

-- functions/0140_root_outcome.sql
create function orchable._root_outcome(p_open_count integer, p_failed_count integer, p_cancelled_count integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case
        when p_failed_count > 0 then 'failed'
        when p_open_count > 0 then 'open'
        when p_cancelled_count > 0 then 'cancelled'
        else 'completed'
    end;
end
$$;

comment on function orchable._root_outcome(integer, integer, integer) is
'The outcome of one input from its tree''s counts: failed as soon as a task failed for good, completed when nothing is open.';

-- functions/0150_batch_status.sql
create function orchable._batch_status(
    p_status text, p_total integer, p_completed integer, p_failed integer
)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case
        when p_status in ('paused', 'cancelled') then p_status
        when p_total > 0 and p_completed = p_total then 'completed'
        when p_total > 0 and p_completed + p_failed = p_total then 'failed'
        when p_status = 'pending' then 'pending'
        else 'processing'
    end;
end
$$;

comment on function orchable._batch_status(text, integer, integer, integer) is
'A batch''s status from its counters; paused and cancelled stay until resume_batch or forever.';

-- functions/0160_next_stages.sql
create function orchable._next_stages(p_template_id text)
returns setof public.prompt_templates
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select n.*
    from public.prompt_templates as t
    cross join lateral jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
    join public.prompt_templates as n
        on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    where t.id = p_template_id
    order by k.position;
end
$$;

comment on function orchable._next_stages(text) is
'The active templates of the stages that follow a template''s stage, in the order its definition lists them.';

-- functions/0170_split_error.sql
create function orchable._split_error(p_template_id text, p_output jsonb)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
    return (
        select format(
            'split_path "%s" of stage "%s" is %s in the output; it must be an array',
            n.stage_config ->> 'split_path', n.stage_key,
            coalesce('a ' || jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')), 'missing')
        )
        from orchable._next_stages(p_template_id) as n
        where
            n.stage_config ->> 'cardinality' = '1:N'
            and jsonb_typeof(p_output #> orchable._path(n.stage_config ->> 'split_path')) is distinct from 'array'
        limit 1
    );
end
$$;

comment on function orchable._split_error(text, jsonb) is
'Why an output cannot be split by a following 1:N stage (its split_path is missing or not an array), or null.';

-- functions/0180_mapped_input.sql
-- input_mapping {"child_key": "input.a.b" | "output.a.b"}: values read from the source
-- task's input or output; a path that is missing gives JSON null.
create function orchable._mapped_input(p_mapping jsonb, p_input jsonb, p_output jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_mapping is null or p_mapping = '{}'::jsonb then
        return '{}'::jsonb;
    end if;
    return (
        select jsonb_object_agg(
            m.key,
            coalesce(
                case split_part(m.value, '.', 1)
                    when 'input' then p_input
                    when 'output' then p_output
                end #> (orchable._path(m.value))[2:],
                'null'::jsonb
            )
        )
        from jsonb_each_text(p_mapping) as m
    );
end
$$;

comment on function orchable._mapped_input(jsonb, jsonb, jsonb) is
'The keys a stage''s input_mapping adds to a child''s input, read from the source task''s input or output.';

-- functions/0190_nest_at_path.sql
create function orchable._nest_at_path(p_dot_path text, p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_path text [] := orchable._path(p_dot_path);
    v_result jsonb := p_value;
begin
    for i in reverse coalesce(array_length(v_path, 1), 0)..1 loop
        v_result := jsonb_build_object(v_path[i], v_result);
    end loop;
    return v_result;
end
$$;

comment on function orchable._nest_at_path(text, jsonb) is
'Wraps a value in objects along a dot path: (a.b, 1) gives {"a": {"b": 1}}.';

-- functions/0195_llm_call_cost.sql
-- The one place an LLM call is priced, for record_llm_call and record_llm_calls. Cached
-- tokens are part of the input; thinking tokens are billed as output. An unknown model,
-- or an unknown price, costs 0.
create function orchable._llm_call_cost(
    p_provider text,
    p_model text,
    p_input_tokens integer,
    p_output_tokens integer,
    p_cached_tokens integer,
    p_thoughts_tokens integer
)
returns numeric
language sql
stable
set search_path = ''
as $$
    select coalesce((
        select (
            greatest(coalesce(p_input_tokens, 0) - coalesce(p_cached_tokens, 0), 0)
            * coalesce(m.input_usd_per_million, 0)
            + coalesce(p_cached_tokens, 0) * coalesce(m.cached_input_usd_per_million, m.input_usd_per_million, 0)
            -- bigint: two integer counts can add up beyond the integer range.
            + (coalesce(p_output_tokens, 0)::bigint + coalesce(p_thoughts_tokens, 0)) * coalesce(m.output_usd_per_million, 0)
        ) / 1000000
        from public.ai_models as m
        where m.provider = p_provider and m.model = p_model
    ), 0)
$$;

comment on function orchable._llm_call_cost(text, text, integer, integer, integer, integer) is
'The cost in USD of one LLM call from ai_models: input (cached tokens at the cached price), output and thinking tokens; 0 for an unknown model.';

-- functions/0200_insert_child.sql
create function orchable._insert_child(
    p_parent public.ai_tasks,
    p_stage public.prompt_templates,
    p_input jsonb,
    p_step_number integer,
    p_split_task_id uuid,
    p_branch_index integer
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    insert into public.ai_tasks (
        owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
        prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
        requires_approval, max_retries, split_task_id, branch_index
    )
    values (
        p_parent.owner_id, p_parent.orchestrator_id, p_parent.batch_id, p_parent.launch_id,
        coalesce(p_stage.stage_config ->> 'task_type', p_stage.stage_key), p_stage.stage_key, p_input,
        p_stage.id, p_parent.id, p_parent.root_task_id, p_parent.hierarchy_path || to_jsonb(p_parent.id),
        p_step_number, p_stage.requires_approval, p_stage.max_retries, p_split_task_id, p_branch_index
    );
end
$$;

comment on function orchable._insert_child(public.ai_tasks, public.prompt_templates, jsonb, integer, uuid, integer) is
'Creates one child task of a stage under a parent; batch, launch, root and hierarchy come from the parent.';

-- functions/0210_tg_ai_tasks__fan_out.sql
-- Runs in the transaction that completes a task: creates the children of every next
-- stage. 1:1 gets the output as input; 1:N one child per element at split_path; N:1
-- counts this branch's arrival in its split's merge group, and the arrival that completes
-- the group (its row lock serialises them) creates the one merge task. A merge task's
-- parent is the split task, so like every child it is one step below its parent, whether
-- the split was empty or not.
create function orchable.tg_ai_tasks__fan_out()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_next public.prompt_templates;
    v_merge public.prompt_templates;
    v_split public.ai_tasks;
    v_group orchable.merge_groups;
    v_items jsonb;
    v_input jsonb;
begin
    for v_next in select * from orchable._next_stages(new.prompt_template_id) loop
        case v_next.stage_config ->> 'cardinality'
        when '1:1' then
            v_input := new.output_data;
            if coalesce(v_next.stage_config -> 'input_mapping', '{}'::jsonb) <> '{}'::jsonb then
                if jsonb_typeof(v_input) <> 'object' then
                    v_input := jsonb_build_object('output', v_input);
                end if;
                v_input := v_input || orchable._mapped_input(
                    v_next.stage_config -> 'input_mapping', new.input_data, new.output_data);
            end if;
            perform orchable._insert_child(new, v_next, v_input, new.step_number + 1,
                new.split_task_id, new.branch_index);

        when '1:N' then
            v_items := new.output_data #> orchable._path(v_next.stage_config ->> 'split_path');
            if jsonb_typeof(v_items) is distinct from 'array' then
                raise exception 'split_path "%" of stage "%" is not an array in the output of task %',
                    v_next.stage_config ->> 'split_path', v_next.stage_key, new.id
                    using errcode = 'OR009',
                    hint = 'complete_task fails such a task instead of completing it; this is a bug';
            end if;
            insert into public.ai_tasks (
                owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
                prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
                requires_approval, max_retries, split_task_id, branch_index
            )
            select
                new.owner_id, new.orchestrator_id, new.batch_id, new.launch_id,
                coalesce(v_next.stage_config ->> 'task_type', v_next.stage_key), v_next.stage_key,
                jsonb_build_object('item', e.item, 'item_index', e.position - 1)
                || orchable._mapped_input(v_next.stage_config -> 'input_mapping', new.input_data, new.output_data),
                v_next.id, new.id, new.root_task_id, new.hierarchy_path || to_jsonb(new.id),
                new.step_number + 1, v_next.requires_approval, v_next.max_retries, new.id, (e.position - 1)::integer
            from jsonb_array_elements(v_items) with ordinality as e (item, position);

            for v_merge in
                select m.* from jsonb_array_elements_text(v_next.stage_config -> 'merge_stage_keys') as k (stage_key)
                join public.prompt_templates as m
                    on m.orchestrator_id = new.orchestrator_id and m.stage_key = k.stage_key and m.is_active
            loop
                if jsonb_array_length(v_items) = 0 then
                    perform orchable._insert_child(new, v_merge,
                        orchable._nest_at_path(v_merge.stage_config ->> 'merge_path', '[]'::jsonb)
                        || orchable._mapped_input(v_merge.stage_config -> 'input_mapping', new.input_data, new.output_data),
                        new.step_number + 1, new.split_task_id, new.branch_index);
                else
                    insert into orchable.merge_groups (split_task_id, merge_stage_key, expected_count)
                    values (new.id, v_merge.stage_key, jsonb_array_length(v_items));
                end if;
            end loop;

        when 'N:1' then
            update orchable.merge_groups as g
            set arrived_count = g.arrived_count + 1
            where g.split_task_id = new.split_task_id and g.merge_stage_key = v_next.stage_key
            returning * into v_group;
            if not found then
                raise exception 'task % reached merge stage "%" outside of any split', new.id, v_next.stage_key
                    using errcode = 'OR015',
                    hint = 'upsert_orchestrator refuses an N:1 stage with no 1:N above it; this is a bug';
            end if;
            if v_group.arrived_count = v_group.expected_count then
                select * into strict v_split from public.ai_tasks where id = new.split_task_id;
                perform orchable._insert_child(
                    v_split, v_next,
                    orchable._nest_at_path(v_next.stage_config ->> 'merge_path', (
                        select coalesce(jsonb_agg(b.output_data order by b.branch_index), '[]'::jsonb)
                        from public.ai_tasks as b
                        where b.split_task_id = new.split_task_id and b.stage_key = new.stage_key
                            and b.status = 'completed'
                    ))
                    || orchable._mapped_input(v_next.stage_config -> 'input_mapping', v_split.input_data, v_split.output_data),
                    v_split.step_number + 1, v_split.split_task_id, v_split.branch_index);
                update orchable.merge_groups as g
                set merged_at = now()
                where g.split_task_id = v_group.split_task_id and g.merge_stage_key = v_group.merge_stage_key;
            end if;
        end case;
    end loop;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__fan_out() is
'Creates the children of a task that has just completed: 1:1, 1:N (split) and N:1 (merge, exactly once per split).';

create trigger ai_tasks_10_fan_out
after update of status on public.ai_tasks
for each row
when (new.status = 'completed' and old.status is distinct from 'completed')
execute function orchable.tg_ai_tasks__fan_out();

-- functions/0220_tg_ai_tasks__count.sql
-- Keeps orchable.task_trees (open, failed and cancelled tasks per input) and the batch
-- counters in step with task statuses, once per statement: a bulk change costs one update
-- per tree and one per batch. An input is completed when its tree has nothing open and
-- nothing failed, failed as soon as one of its tasks failed for good.
--
-- The transition tables are read once into arrays: statements that name a transition
-- table are planned anew at every call, statements over array parameters keep their plan.
-- Every counter is computed in the SET of the UPDATE from the row it locked, so two
-- transactions that finish inputs of one batch at once both count. It fires last of the
-- statement's triggers (90): the batch row stays locked from here to the commit, and
-- other completions of the batch wait for it, so nothing else should run in between.
create function orchable.tg_ai_tasks__count()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_root_ids uuid [];
    v_batch_ids uuid [];
    v_open_deltas integer [];
    v_failed_deltas integer [];
    v_cancelled_deltas integer [];
    v_started boolean [];
    v_root_counts integer [];
begin
    if tg_op = 'INSERT' then
        select array_agg(root_task_id), array_agg(batch_id), array_agg(task_count), array_agg(root_count)
        into v_root_ids, v_batch_ids, v_open_deltas, v_root_counts
        from (
            select n.root_task_id, n.batch_id, count(*)::integer as task_count,
                count(*) filter (where n.parent_task_id is null)::integer as root_count
            from new_tasks as n
            group by n.root_task_id, n.batch_id
        ) as c;

        insert into orchable.task_trees as t (root_task_id, batch_id, open_count)
        select c.root_task_id, c.batch_id, c.task_count
        from unnest(v_root_ids, v_batch_ids, v_open_deltas) as c (root_task_id, batch_id, task_count)
        on conflict (root_task_id) do update set open_count = t.open_count + excluded.open_count;

        update public.task_batches as b
        set total_tasks = b.total_tasks + r.root_count, updated_at = now()
        from (
            select c.batch_id, sum(c.root_count)::integer as root_count
            from unnest(v_batch_ids, v_root_counts) as c (batch_id, root_count)
            group by c.batch_id
            having sum(c.root_count) > 0
        ) as r
        where b.id = r.batch_id;
        return null;
    end if;

    select array_agg(root_task_id), array_agg(batch_id), array_agg(open_delta), array_agg(failed_delta),
        array_agg(cancelled_delta), array_agg(started)
    into v_root_ids, v_batch_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas, v_started
    from (
        select
            n.root_task_id,
            n.batch_id,
            sum((n.status in ('plan', 'processing', 'generated'))::integer
                - (o.status in ('plan', 'processing', 'generated'))::integer)::integer as open_delta,
            sum((n.status = 'failed')::integer - (o.status = 'failed')::integer)::integer as failed_delta,
            sum((n.status = 'cancelled')::integer - (o.status = 'cancelled')::integer)::integer as cancelled_delta,
            bool_or(n.status = 'processing' and o.status = 'plan') as started
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status
        group by n.root_task_id, n.batch_id
    ) as c;
    if v_root_ids is null then
        return null;
    end if;

    with trees as (
        update orchable.task_trees as t
        set
            open_count = t.open_count + d.open_delta,
            failed_count = t.failed_count + d.failed_delta,
            cancelled_count = t.cancelled_count + d.cancelled_delta
        from unnest(v_root_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas)
            as d (root_task_id, open_delta, failed_delta, cancelled_delta)
        where t.root_task_id = d.root_task_id
            and (d.open_delta <> 0 or d.failed_delta <> 0 or d.cancelled_delta <> 0)
        returning
            t.batch_id,
            orchable._root_outcome(t.open_count - d.open_delta, t.failed_count - d.failed_delta,
                t.cancelled_count - d.cancelled_delta) as old_outcome,
            orchable._root_outcome(t.open_count, t.failed_count, t.cancelled_count) as new_outcome
    ),
    outcome_deltas as (
        select
            batch_id,
            sum((new_outcome = 'completed')::integer - (old_outcome = 'completed')::integer)::integer as completed_delta,
            sum((new_outcome = 'failed')::integer - (old_outcome = 'failed')::integer)::integer as failed_delta
        from trees
        group by batch_id
    ),
    started_batches as (
        select distinct s.batch_id from unnest(v_batch_ids, v_started) as s (batch_id, started) where s.started
    ),
    deltas as (
        select
            coalesce(o.batch_id, s.batch_id) as batch_id,
            coalesce(o.completed_delta, 0) as completed_delta,
            coalesce(o.failed_delta, 0) as failed_delta,
            s.batch_id is not null as started
        from outcome_deltas as o
        full join started_batches as s on s.batch_id = o.batch_id
    )
    update public.task_batches as b
    set
        completed_tasks = b.completed_tasks + d.completed_delta,
        failed_tasks = b.failed_tasks + d.failed_delta,
        status = orchable._batch_status(
            case when d.started and b.status = 'pending' then 'processing' else b.status end,
            b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta),
        started_at = case when d.started then coalesce(b.started_at, now()) else b.started_at end,
        finished_at = case
            when orchable._batch_status(
                case when d.started and b.status = 'pending' then 'processing' else b.status end,
                b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta
            ) in ('completed', 'failed', 'cancelled') then coalesce(b.finished_at, now())
        end,
        updated_at = now()
    from deltas as d
    where b.id = d.batch_id
        and (d.completed_delta <> 0 or d.failed_delta <> 0 or (d.started and b.status = 'pending'));
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__count() is
'Statement trigger: updates task tree counts and batch counters and status from the tasks a statement created or changed.';

create trigger ai_tasks_90_count_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

create trigger ai_tasks_90_count_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

-- functions/0230_tg_ai_tasks__log_events.sql
create function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', null, n.status,
            jsonb_build_object('stage_key', n.stage_key)
        from new_tasks as n;
    else
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'stage_key', n.stage_key,
                'worker', case when n.status = 'processing' then n.locked_by end,
                'retry_count', case when n.retry_count <> o.retry_count then n.retry_count end,
                'error', case when n.status in ('plan', 'failed') then n.error_message end,
                'error_code', case when n.status = 'failed' then n.error_code end
            ))
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__log_events() is
'Statement trigger: appends a task_events row for every task created and every task status change.';

create trigger ai_tasks_30_log_events_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

create trigger ai_tasks_30_log_events_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

-- functions/0240_tg_ai_tasks__notify.sql
-- Wakes idle workers (LISTEN orchable_tasks) when a statement makes tasks runnable.
-- NOTIFY is delivered on commit and coalesced per transaction: a hint to poll, no more.
create function orchable.tg_ai_tasks__notify()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if exists (select from new_tasks as n where n.status = 'plan') then
        perform pg_notify('orchable_tasks', 'runnable');
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__notify() is
'Statement trigger: NOTIFY orchable_tasks when tasks are created or put back to plan.';

create trigger ai_tasks_40_notify_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();

create trigger ai_tasks_40_notify_updated
after update on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();

-- functions/0250_tg_task_batches__log_events.sql
create function orchable.tg_task_batches__log_events()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', null, n.status, jsonb_build_object('name', n.name)
        from new_batches as n;
    else
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'reason', n.status_reason,
                'completed_tasks', n.completed_tasks,
                'failed_tasks', n.failed_tasks
            ))
        from new_batches as n
        join old_batches as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__log_events() is
'Statement trigger: appends a task_events row for every batch created and every batch status change.';

create trigger task_batches_30_log_events_inserted
after insert on public.task_batches
referencing new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

create trigger task_batches_30_log_events_updated
after update on public.task_batches
referencing old table as old_batches new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

-- functions/0300_validate_stages.sql
-- Checks a pipeline definition's stages and returns them normalised, keyed by stage key,
-- with the derived keys each stage needs at run time: a 1:N stage's merge_stage_keys
-- (the N:1 stages that close its split) and an N:1 stage's split_stage_key. Raises OR001
-- naming the stage and the problem: unknown next stage, cycle, N:1 with no 1:N above it,
-- a split without split_path, and the like.
create function orchable._validate_stages(p_definition jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_stages jsonb := '{}';
    v_stage jsonb;
    v_key text;
    v_next text;
    v_entry text := p_definition ->> 'entry';
    v_indegree jsonb := '{}';
    v_queue text [];
    v_order text [] := '{}';
    v_splits jsonb := '{}';
    v_stack jsonb;
    v_child_stack jsonb;
    v_card text;
    v_problem text;
begin
    if jsonb_typeof(p_definition -> 'stages') is distinct from 'array'
        or jsonb_array_length(p_definition -> 'stages') = 0 then
        raise exception 'the pipeline definition has no stages'
            using errcode = 'OR001', detail = 'stages must be a non-empty JSON array',
            hint = 'add "stages": [{"key": "...", "template": "..."}]';
    end if;

    for v_stage in select s from jsonb_array_elements(p_definition -> 'stages') as s loop
        v_key := v_stage ->> 'key';
        v_card := coalesce(v_stage ->> 'cardinality', '1:1');
        v_problem := case
            when jsonb_typeof(v_stage) <> 'object' then 'is not a JSON object'
            when v_key is null or v_key !~ '^[a-z][a-z0-9_]*$' then
                'has no key or a key that is not snake_case ([a-z][a-z0-9_]*)'
            when v_stages ? v_key then 'is defined twice'
            when coalesce(btrim(v_stage ->> 'template'), '') = '' then 'has no template'
            when v_card not in ('1:1', '1:N', 'N:1') then
                format('has cardinality "%s"; it must be 1:1, 1:N or N:1', v_card)
            when v_card = '1:N' and coalesce(v_stage ->> 'split_path', '') = '' then
                'is a split (1:N) without split_path'
            when v_card = '1:N' and v_stage ->> 'split_path' !~ '^[^.]+(\.[^.]+)*$' then
                'is a split (1:N) whose split_path is not a dot path (a.b.c)'
            when v_stage ? 'next' and jsonb_typeof(v_stage -> 'next') <> 'array' then
                'has a next that is not an array of stage keys'
            when exists (
                select from jsonb_array_elements(v_stage -> 'next') as n (stage_key)
                where jsonb_typeof(n.stage_key) <> 'string'
            ) then 'has a next with an element that is not a stage key (a string)'
            when exists (
                select from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1
            ) then format('lists next stage "%s" more than once', (
                select n.stage_key from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1 order by n.stage_key limit 1
            ))
            when v_card = 'N:1' and v_stage ? 'merge_path'
                and coalesce(v_stage ->> 'merge_path', '') !~ '^[^.]+(\.[^.]+)*$' then
                'is a merge (N:1) whose merge_path is not a dot path (a.b.c)'
            when v_stage ? 'input_mapping' and jsonb_typeof(v_stage -> 'input_mapping') <> 'object' then
                'has an input_mapping that is not an object'
            when exists (
                select from jsonb_each(coalesce(v_stage -> 'input_mapping', '{}')) as m
                where jsonb_typeof(m.value) <> 'string' or m.value #>> '{}' !~ '^(input|output)(\.[^.]+)*$'
            ) then 'has an input_mapping value that is not "input.<path>" or "output.<path>"'
            when v_stage ? 'ai_settings' and jsonb_typeof(v_stage -> 'ai_settings') <> 'object' then
                'has ai_settings that are not an object'
            when jsonb_typeof(v_stage -> 'output_schema') not in ('object', 'null') then
                'has an output_schema that is not an object'
            when jsonb_typeof(v_stage -> 'input_schema') not in ('object', 'null') then
                'has an input_schema that is not an object'
            when jsonb_typeof(v_stage -> 'requires_approval') not in ('boolean', 'null') then
                'has a requires_approval that is not a boolean'
            when v_stage ? 'max_retries' and case
                when jsonb_typeof(v_stage -> 'max_retries') <> 'number' then true
                else (v_stage ->> 'max_retries')::numeric not between 0 and 100
                    or (v_stage ->> 'max_retries')::numeric <> trunc((v_stage ->> 'max_retries')::numeric)
            end then
                'has a max_retries that is not a whole number from 0 to 100'
        end;
        if v_problem is not null then
            raise exception 'stage "%" %', coalesce(v_key, '?'), v_problem
                using errcode = 'OR001', detail = v_stage::text,
                hint = 'fix the stage in the pipeline definition and apply it again';
        end if;
        v_stages := v_stages || jsonb_build_object(v_key, jsonb_build_object(
            'key', v_key,
            'template', v_stage ->> 'template',
            'name', coalesce(v_stage ->> 'name', v_key),
            'description', v_stage ->> 'description',
            'task_type', coalesce(v_stage ->> 'task_type', v_key),
            'next', coalesce(v_stage -> 'next', '[]'),
            'cardinality', v_card,
            'split_path', v_stage ->> 'split_path',
            'merge_path', case when v_card = 'N:1' then coalesce(v_stage ->> 'merge_path', 'items') end,
            'input_mapping', coalesce(v_stage -> 'input_mapping', '{}'),
            'input_schema', v_stage -> 'input_schema',
            'output_schema', v_stage -> 'output_schema',
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false),
            'ai_settings', coalesce(v_stage -> 'ai_settings', '{}'),
            -- A whole number may be written 5.0, which the integer cast alone refuses.
            'max_retries', coalesce((v_stage ->> 'max_retries')::numeric::integer, 3)
        ));
        v_indegree := v_indegree || jsonb_build_object(v_key, 0);
    end loop;

    if coalesce(v_entry, '') = '' then
        raise exception 'the pipeline definition has no entry stage'
            using errcode = 'OR001', detail = 'entry must name one of the stages',
            hint = 'add "entry": the key of the stage each input starts at';
    end if;
    if not v_stages ? v_entry then
        raise exception 'entry stage "%" is not one of the stages', v_entry
            using errcode = 'OR001', hint = 'set "entry" to the key of the first stage';
    end if;
    if v_stages -> v_entry ->> 'cardinality' <> '1:1' then
        raise exception 'stage "%" is the entry but has cardinality %', v_entry, v_stages -> v_entry ->> 'cardinality'
            using errcode = 'OR001', hint = 'the entry stage gets one task per input: make it 1:1';
    end if;

    -- Unknown next stages, and in-degrees for the cycle check.
    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        for v_next in select jsonb_array_elements_text(v_stage -> 'next') loop
            if not v_stages ? v_next then
                raise exception 'stage "%" has next stage "%", which is not defined', v_key, v_next
                    using errcode = 'OR001', hint = 'define the stage or remove it from next';
            end if;
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer + 1));
        end loop;
    end loop;
    for v_key in select k from jsonb_each_text(v_indegree) as d (k, n) where n::integer > 1 loop
        if v_stages -> v_key ->> 'cardinality' = 'N:1' then
            raise exception 'stage "%" merges (N:1) but more than one stage leads to it', v_key
                using errcode = 'OR001', hint = 'an N:1 stage follows exactly one stage';
        end if;
    end loop;

    -- Kahn's algorithm: whatever cannot be ordered lies on a cycle.
    select coalesce(array_agg(k order by k), '{}') into v_queue from jsonb_each_text(v_indegree) as d (k, n) where n = '0';
    while cardinality(v_queue) > 0 loop
        v_key := v_queue[1];
        v_queue := v_queue[2:];
        v_order := v_order || v_key;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_indegree := jsonb_set(v_indegree, array[v_next], to_jsonb((v_indegree ->> v_next)::integer - 1));
            if (v_indegree ->> v_next)::integer = 0 then
                v_queue := v_queue || v_next;
            end if;
        end loop;
    end loop;
    if cardinality(v_order) < (select count(*) from jsonb_object_keys(v_stages)) then
        select min(k) into v_key from jsonb_object_keys(v_stages) as k where k <> all(v_order);
        raise exception 'stage "%" is part of a cycle', v_key
            using errcode = 'OR001', hint = 'a pipeline is a directed acyclic graph: remove the next link that loops back';
    end if;

    -- Open splits along every path, in topological order: a 1:N pushes its key, an N:1
    -- pops the split it closes. Every stage must be reached with one stack.
    v_splits := jsonb_build_object(v_entry, '[]'::jsonb);
    foreach v_key in array v_order loop
        v_stack := v_splits -> v_key;
        if v_stack is null then
            raise exception 'stage "%" cannot be reached from the entry stage "%"', v_key, v_entry
                using errcode = 'OR001', hint = 'link it from another stage''s next, or remove it';
        end if;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_card := v_stages -> v_next ->> 'cardinality';
            if v_card = 'N:1' and jsonb_array_length(v_stack) = 0 then
                raise exception 'stage "%" merges (N:1) but no split (1:N) above it is open', v_next
                    using errcode = 'OR001', hint = 'put a 1:N stage before it, or make it 1:1';
            end if;
            v_child_stack := case v_card
                when '1:N' then v_stack || to_jsonb(v_next)
                when 'N:1' then v_stack - (jsonb_array_length(v_stack) - 1)
                else v_stack
            end;
            if v_splits ? v_next and v_splits -> v_next <> v_child_stack then
                raise exception 'stage "%" is reached inside different splits', v_next
                    using errcode = 'OR001', hint = 'every path to a stage must cross the same 1:N and N:1 stages';
            end if;
            v_splits := v_splits || jsonb_build_object(v_next, v_child_stack);
            if v_card = 'N:1' then
                v_stages := jsonb_set(v_stages, array[v_next, 'split_stage_key'], v_stack -> -1);
                v_stages := jsonb_set(v_stages, array[v_stack ->> -1, 'merge_stage_keys'],
                    coalesce(v_stages -> (v_stack ->> -1) -> 'merge_stage_keys', '[]') || to_jsonb(v_next));
            end if;
        end loop;
    end loop;
    return v_stages;
end
$$;

comment on function orchable._validate_stages(jsonb) is
'Validates a pipeline definition''s stage graph and returns the stages normalised and keyed, with derived merge/split keys.';

-- functions/0310_upsert_orchestrator.sql
-- SECURITY DEFINER: users may not write prompt_templates directly, so that every stage
-- change goes through validation and versioning here.
create function public.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_owner_id uuid := auth.uid();
    v_stages jsonb;
    v_stage jsonb;
    v_key text;
    v_orchestrator public.orchestrators;
    v_current public.prompt_templates;
    v_stage_config jsonb;
    v_version integer;
begin
    if jsonb_typeof(p_definition) is distinct from 'object' then
        raise exception 'the pipeline definition must be a JSON object'
            using errcode = 'OR001', hint = 'pass {"name": ..., "entry": ..., "stages": [...]}';
    end if;
    if coalesce(btrim(p_definition ->> 'name'), '') = '' then
        raise exception 'the pipeline definition has no name'
            using errcode = 'OR001', hint = 'add "name": a pipeline is updated in place by its name';
    end if;
    if length(p_definition ->> 'name') > 200 then
        raise exception 'the pipeline name is % characters long; at most 200', length(p_definition ->> 'name')
            using errcode = 'OR001', hint = 'use a shorter name; put the rest in "description"';
    end if;
    if v_owner_id is null then
        if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
            raise exception 'upsert_orchestrator needs a signed-in user'
                using errcode = '42501', hint = 'call it with a user''s JWT';
        end if;
        if p_definition ->> 'owner_id' !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
            raise exception 'owner_id "%" is not a user id', p_definition ->> 'owner_id'
                using errcode = 'OR001', hint = 'pass the uuid of a row of auth.users';
        end if;
        v_owner_id := (p_definition ->> 'owner_id')::uuid;
        if v_owner_id is null then
            raise exception 'the pipeline has no owner'
                using errcode = 'OR001', hint = 'called without a user (service_role, psql): add "owner_id" to the definition';
        end if;
    end if;

    v_stages := orchable._validate_stages(p_definition);

    insert into public.orchestrators as o (owner_id, name, description, entry_stage_key, definition)
    values (v_owner_id, p_definition ->> 'name', p_definition ->> 'description', p_definition ->> 'entry', p_definition)
    on conflict (owner_id, name) do update set
        description = excluded.description,
        entry_stage_key = excluded.entry_stage_key,
        definition = excluded.definition,
        updated_at = now()
    returning o.* into v_orchestrator;

    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        v_stage_config := jsonb_strip_nulls(jsonb_build_object(
            'cardinality', v_stage -> 'cardinality',
            'split_path', v_stage -> 'split_path',
            'merge_path', v_stage -> 'merge_path',
            'input_mapping', v_stage -> 'input_mapping',
            'next', v_stage -> 'next',
            'task_type', v_stage -> 'task_type',
            'merge_stage_keys', v_stage -> 'merge_stage_keys',
            'split_stage_key', v_stage -> 'split_stage_key'
        ));
        select * into v_current from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key and t.is_active;

        if found and v_current.template = v_stage ->> 'template'
            and v_current.name = v_stage ->> 'name'
            and v_current.description is not distinct from v_stage ->> 'description'
            and v_current.default_ai_settings = v_stage -> 'ai_settings'
            and v_current.input_schema is not distinct from v_stage -> 'input_schema'
            and v_current.output_schema is not distinct from v_stage -> 'output_schema'
            and v_current.stage_config = v_stage_config
            and v_current.requires_approval = (v_stage ->> 'requires_approval')::boolean
            and v_current.max_retries = (v_stage ->> 'max_retries')::integer then
            continue;
        end if;

        update public.prompt_templates set is_active = false
        where orchestrator_id = v_orchestrator.id and stage_key = v_key and is_active;
        select coalesce(max(t.version), 0) + 1 into v_version
        from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key;

        insert into public.prompt_templates (
            id, orchestrator_id, owner_id, stage_key, name, description, template, version,
            default_ai_settings, input_schema, output_schema, stage_config, requires_approval,
            max_retries, organization_code
        )
        values (
            format('%s_%s_%s', v_orchestrator.id, v_key, v_version), v_orchestrator.id, v_owner_id,
            v_key, v_stage ->> 'name', v_stage ->> 'description', v_stage ->> 'template', v_version,
            v_stage -> 'ai_settings', v_stage -> 'input_schema', v_stage -> 'output_schema',
            v_stage_config, (v_stage ->> 'requires_approval')::boolean,
            (v_stage ->> 'max_retries')::integer, v_orchestrator.id::text
        );
    end loop;

    -- Stages no longer in the definition: their tasks finish, no new ones are created.
    update public.prompt_templates as t set is_active = false
    where t.orchestrator_id = v_orchestrator.id and t.is_active and not v_stages ? t.stage_key;

    update public.prompt_templates as t
    set next_stage_template_ids = coalesce((
        select array_agg(n.id order by k.position)
        from jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
        join public.prompt_templates as n
            on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    ), '{}')
    where t.orchestrator_id = v_orchestrator.id and t.is_active;

    return v_orchestrator;
end
$$;

comment on function public.upsert_orchestrator(jsonb) is
'Creates or updates a pipeline and its stages from one JSON document (name, description, entry, stages); idempotent by (owner, name). A changed stage gets a new template version; tasks already created keep theirs. A malformed definition raises OR001 naming the stage.';

revoke all on function public.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.upsert_orchestrator(jsonb) to authenticated, service_role;

-- functions/0320_launch_batch.sql
-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create function public.launch_batch(
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
set search_path = ''
as $$
declare
    v_orchestrator public.orchestrators;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0 then
        raise exception 'p_inputs must be a non-empty JSON array'
            using errcode = 'OR003', detail = format('got %s', coalesce(jsonb_typeof(p_inputs), 'null')),
            hint = 'pass one element per input: [{"topic": "..."}, ...]';
    end if;
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
        select gen_random_uuid() as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

comment on function public.launch_batch(uuid, jsonb, text, jsonb, text) is
'Launches a batch: one root task of the entry stage per element of p_inputs, all or nothing. The same p_idempotency_key from the same owner returns the first batch.';

revoke all on function public.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function public.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;

-- functions/0330_claim_tasks.sql
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows of v_runnable_tasks in index order, skipping rows other
-- workers hold, then lease them. A task whose lease keeps expiring fails as poison, and
-- one whose prompt names a variable its input lacks fails naming it; neither is returned.
create function public.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_max_lease_expiries constant integer := 5;
    v_claimed uuid [];
    v_poisoned boolean;
    v_missing_ids uuid [];
    v_missing_variables text [];
begin
    if coalesce(btrim(p_worker_id), '') = '' or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_tasks needs a worker id, a limit from 1 to 1000 and a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s p_limit=%s p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds),
            hint = 'for example claim_tasks(''worker-1'', 10, 300)';
    end if;

    with candidates as (
        select r.id, r.status
        from public.v_runnable_tasks as r
        order by r.available_at
        limit p_limit
        for update skip locked
    ),
    leased as (
        update public.ai_tasks as t
        set
            status = 'processing',
            claim_token = gen_random_uuid(),
            locked_by = p_worker_id,
            locked_until = now() + make_interval(secs => p_lease_seconds),
            claim_count = t.claim_count + 1,
            lease_expired_count = t.lease_expired_count + (c.status = 'processing')::integer,
            started_at = coalesce(t.started_at, now()),
            updated_at = now()
        from candidates as c
        where t.id = c.id
        returning t.id, t.lease_expired_count
    )
    select coalesce(array_agg(id), '{}'), coalesce(bool_or(lease_expired_count >= v_max_lease_expiries), false)
    into v_claimed, v_poisoned
    from leased;

    -- Statement triggers fire even for an update of no row: run these only when needed.
    if v_poisoned then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR014',
            error_message = format('poison task: its lease expired %s times without a result', t.lease_expired_count),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        where t.id = any(v_claimed) and t.lease_expired_count >= v_max_lease_expiries;
    end if;

    select array_agg(c.id), array_agg(r.missing_variable)
    into v_missing_ids, v_missing_variables
    from public.ai_tasks as c
    join public.prompt_templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.template, c.input_data) as r
    where c.id = any(v_claimed) and c.status = 'processing' and r.missing_variable is not null;
    if v_missing_ids is not null then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR008',
            error_message = format('template variable "%s" is missing from the task input', m.missing_variable),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_missing_ids, v_missing_variables) as m (id, missing_variable)
        where t.id = m.id;
    end if;

    return query
    select
        t.id, t.claim_token, t.locked_until, t.owner_id, t.batch_id, t.root_task_id, t.stage_key,
        t.task_type, t.prompt_template_id, r.rendered, t.input_data,
        p.default_ai_settings || coalesce(b.config -> 'ai_settings', '{}'::jsonb),
        p.output_schema, t.retry_count, t.max_retries
    from public.ai_tasks as t
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    cross join lateral orchable._render_template(p.template, t.input_data) as r
    where t.id = any(v_claimed) and t.status = 'processing';
end
$$;

comment on function public.claim_tasks(text, integer, integer) is
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings and output_schema.';

revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;

-- functions/0340_lock_claimed_task.sql
-- Locks a task a worker reports on and checks that the report carries the current claim:
-- the task is processing and the token is the one its last claim handed out. A report
-- after the lease expired is still taken while no one else has claimed the task.
create function orchable._lock_claimed_task(p_task_id uuid, p_claim_token uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
begin
    select * into v_task from public.ai_tasks where id = p_task_id for update;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'the task or its batch was deleted; drop this result';
    end if;
    if v_task.status <> 'processing' or v_task.claim_token is distinct from p_claim_token then
        raise exception 'stale claim on task %: nothing was changed', p_task_id
            using errcode = 'OR006',
            detail = case
                when v_task.status <> 'processing' then format('the task is %s', v_task.status)
                else 'another claim has replaced this one'
            end,
            hint = 'the lease expired and the task was claimed again, or its batch was cancelled; drop this result';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_claimed_task(uuid, uuid) is
'Locks a processing task and checks the claim token a worker reports with; raises OR004 or OR006 (stale claim).';

-- functions/0350_complete_task.sql
-- SECURITY DEFINER: workers have no table privileges. Completing fires the fan-out,
-- counter and event triggers in this same transaction.
create function public.complete_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_output jsonb,
    p_usage jsonb default null,
    p_provenance jsonb default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_status text;
begin
    if p_output is null or jsonb_typeof(p_output) = 'null' then
        raise exception 'task % cannot complete without an output', p_task_id
            using errcode = 'OR011', detail = format('got %s', coalesce(p_output::text, 'SQL null')),
            hint = 'pass the model''s JSON output, or call fail_task';
    end if;
    if p_provenance is not null and jsonb_typeof(p_provenance) <> 'object' then
        raise exception 'the provenance of task % is not a JSON object', p_task_id
            using errcode = 'OR011', detail = format('got %s', jsonb_typeof(p_provenance)),
            hint = 'pass {"provider": ..., "model": ..., "api_key_id": ..., "response_id": ...}, or null';
    end if;
    -- A key never reaches the database in clear: refuse one named api_key at any depth.
    if jsonb_path_exists(p_provenance, 'lax $.**.api_key') then
        raise exception 'the provenance of task % contains an API key', p_task_id
            using errcode = 'OR011', detail = 'a member named api_key was found in p_provenance',
            hint = 'pass the key''s id as api_key_id, never the key';
    end if;
    -- The task exists and the claim is current, or this raises OR004 / OR006 saying why.
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);
    -- One definition of completing (split check, approval, provenance, the update):
    -- complete_tasks', with this one result.
    select c.status into v_status
    from public.complete_tasks(jsonb_build_array(jsonb_build_object(
        'task_id', p_task_id, 'claim_token', p_claim_token, 'output', p_output,
        'usage', p_usage, 'provenance', p_provenance
    ))) as c;
    return v_status;
end
$$;

comment on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) is
'Worker only. Stores a claimed task''s output: completed (children created at once) or generated when its stage requires approval. Returns the new status; a stale claim token raises OR006 and changes nothing; an output its split cannot use fails the task (OR009).
p_provenance (provider, model, api_key_id, response_id) is stored with the template id and version; one naming an api_key is refused (OR011).';

revoke all on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.complete_task(uuid, uuid, jsonb, jsonb, jsonb) to orchable_worker, service_role;

-- functions/0355_complete_tasks.sql
-- SECURITY DEFINER: workers have no table privileges. The bulk complete_task: the tasks
-- are locked in id order (so concurrent calls never deadlock), then one UPDATE stores
-- every accepted result, so the counter, event and notify triggers run once per call and
-- each batch row is updated once. An element whose claim is stale changes nothing.
create function public.complete_tasks(p_results jsonb)
returns table (task_id uuid, status text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_bad record;
begin
    if jsonb_typeof(p_results) is distinct from 'array' or jsonb_array_length(p_results) > 1000 then
        raise exception 'complete_tasks takes a JSON array of at most 1000 results'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_results) = 'array'
                then jsonb_array_length(p_results) || ' elements' else coalesce(jsonb_typeof(p_results), 'SQL null') end),
            hint = 'split the results into calls of 1000 or fewer';
    end if;

    -- A malformed element is a worker bug: refuse the whole call, naming the first one.
    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_results) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when coalesce(e.element ->> 'task_id', '') !~ v_uuid then 'has no task_id (a uuid)'
            when coalesce(e.element ->> 'claim_token', '') !~ v_uuid then 'has no claim_token (a uuid)'
            when coalesce(jsonb_typeof(e.element -> 'output'), 'null') = 'null' then 'has no output'
            when jsonb_typeof(e.element -> 'provenance') not in ('object', 'null') then 'has a provenance that is not an object'
            -- A key never reaches the database in clear: refuse one named api_key at any depth.
            when jsonb_path_exists(e.element -> 'provenance', 'lax $.**.api_key') then 'has a provenance naming an api_key'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_results %: nothing was changed', v_bad.position, v_bad.reason
            using errcode = 'OR011', detail = format('p_results[%s] = %s', v_bad.position, p_results -> v_bad.position::integer),
            hint = 'each element is {"task_id", "claim_token", "output", "usage", "provenance"} with a non-null output; '
                'pass the key''s id as api_key_id, never the key';
    end if;

    perform
    from public.ai_tasks as t
    where t.id in (select (e.element ->> 'task_id')::uuid from jsonb_array_elements(p_results) as e (element))
    order by t.id
    for update;

    return query
    with results as (
        select
            e.position,
            (e.element ->> 'task_id')::uuid as task_id,
            (e.element ->> 'claim_token')::uuid as claim_token,
            e.element -> 'output' as output,
            nullif(e.element -> 'usage', 'null'::jsonb) as usage,
            nullif(e.element -> 'provenance', 'null'::jsonb) as provenance
        from jsonb_array_elements(p_results) with ordinality as e (element, position)
    ),
    -- As if applied in order: the first element carrying a task's current claim wins,
    -- any other element for that task is stale.
    accepted as (
        select distinct on (r.task_id)
            r.position, r.task_id, r.output, r.usage, t.requires_approval,
            case when p.id is not null then coalesce(r.provenance, '{}'::jsonb)
                || jsonb_build_object('template_id', p.id, 'template_version', p.version) end as provenance,
            -- An output its split cannot use fails the task, unless a person approves it first.
            case when not t.requires_approval then orchable._split_error(t.prompt_template_id, r.output) end
                as split_error
        from results as r
        join public.ai_tasks as t on t.id = r.task_id
        left join public.prompt_templates as p on p.id = t.prompt_template_id
        where t.status = 'processing' and t.claim_token = r.claim_token
        order by r.task_id, r.position
    ),
    updated as (
        update public.ai_tasks as t
        set
            status = case
                when a.split_error is not null then 'failed'
                when a.requires_approval then 'generated'
                else 'completed'
            end,
            output_data = a.output,
            usage = a.usage,
            provenance = a.provenance,
            error_code = case when a.split_error is not null then 'OR009' end,
            error_message = a.split_error,
            claim_token = null,
            locked_by = null,
            locked_until = null,
            completed_at = case
                when a.split_error is not null then t.completed_at
                when a.requires_approval then null
                else now()
            end,
            updated_at = now()
        from accepted as a
        where t.id = a.task_id
        returning a.position, t.status
    )
    select
        r.task_id,
        coalesce(u.status, case when exists (select from public.ai_tasks as t where t.id = r.task_id)
            then 'stale' else 'not_found' end)
    from results as r
    left join updated as u on u.position = r.position
    order by r.position;
end
$$;

comment on function public.complete_tasks(jsonb) is
'Worker only. Completes up to 1000 claimed tasks in one statement: p_results is a JSON array of {"task_id", "claim_token", "output", "usage", "provenance"}.
Returns one row per element, in input order: completed, generated (awaiting approval), failed (an output its split cannot use, OR009), stale (the claim is not current: nothing changed) or not_found.
A malformed element (no task_id or claim_token, a null output, a provenance not an object or naming an api_key) refuses the whole call (OR011); more than 1000 elements raise OR010.';

revoke all on function public.complete_tasks(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.complete_tasks(jsonb) to orchable_worker, service_role;

-- functions/0360_fail_task.sql
-- SECURITY DEFINER: workers have no table privileges.
create function public.fail_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_error text,
    p_retryable boolean default true
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
    v_retry boolean;
begin
    v_task := orchable._lock_claimed_task(p_task_id, p_claim_token);
    v_retry := coalesce(p_retryable, true) and v_task.retry_count < v_task.max_retries;

    update public.ai_tasks
    set
        status = case when v_retry then 'plan' else 'failed' end,
        retry_count = v_task.retry_count + v_retry::integer,
        run_after = case when v_retry then now() + orchable._retry_delay(v_task.retry_count + 1) else run_after end,
        error_message = coalesce(p_error, 'failed without a message'),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return case when v_retry then 'plan' else 'failed' end;
end
$$;

comment on function public.fail_task(uuid, uuid, text, boolean) is
'Worker only. Records a claimed task''s failure: a retryable one goes back to plan after an exponential backoff with jitter until the stage''s max_retries, then fails for good. Returns the new status; a stale claim token raises OR006 and changes nothing.';

revoke all on function public.fail_task(uuid, uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.fail_task(uuid, uuid, text, boolean) to orchable_worker, service_role;

-- functions/0370_extend_lease.sql
-- SECURITY DEFINER: workers have no table privileges. A worker whose call outlasts its
-- lease extends it, so that no other worker claims the task meanwhile.
create function public.extend_lease(
    p_task_id uuid,
    p_claim_token uuid,
    p_lease_seconds integer default 300
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_locked_until timestamptz;
begin
    if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'extend_lease needs a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_lease_seconds=%s', coalesce(p_lease_seconds::text, 'null')),
            hint = 'for example extend_lease(task_id, claim_token, 300)';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    update public.ai_tasks
    set locked_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    where id = p_task_id
    returning locked_until into v_locked_until;
    return v_locked_until;
end
$$;

comment on function public.extend_lease(uuid, uuid, integer) is
'Worker only. Extends the lease of a task the caller still holds to now() + p_lease_seconds and returns the new locked_until.
Errors: OR004 unknown task, OR006 stale claim (nothing changed), OR010 a lease outside 1..86400 seconds.';

revoke all on function public.extend_lease(uuid, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function public.extend_lease(uuid, uuid, integer) to orchable_worker, service_role;

-- functions/0380_release_task.sql
-- SECURITY DEFINER: workers have no table privileges. A worker that stops (SIGTERM) or
-- cannot run a task now (no usable API key) hands it back without spending a retry.
create function public.release_task(
    p_task_id uuid,
    p_claim_token uuid,
    p_delay_seconds integer default 0,
    p_reason text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if p_delay_seconds is null or p_delay_seconds not between 0 and 86400 then
        raise exception 'release_task needs a delay from 0 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_delay_seconds=%s', coalesce(p_delay_seconds::text, 'null')),
            hint = 'for example release_task(task_id, claim_token, 0, ''worker shutting down'')';
    end if;
    perform orchable._lock_claimed_task(p_task_id, p_claim_token);

    -- retry_count stays: a released task has not failed. The reason goes to the event log
    -- through error_message, which the events trigger reads for a task back in plan.
    update public.ai_tasks
    set
        status = 'plan',
        run_after = now() + make_interval(secs => p_delay_seconds),
        error_message = 'released' || coalesce(': ' || nullif(btrim(p_reason), ''), ''),
        error_code = null,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

comment on function public.release_task(uuid, uuid, integer, text) is
'Worker only. Hands a claimed task back: plan again after p_delay_seconds, its claim cleared, no retry spent. Returns ''plan''.
The reason is logged as error_message ''released: <reason>''. Errors: OR004 unknown task, OR006 stale claim, OR010 a delay outside 0..86400.';

revoke all on function public.release_task(uuid, uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.release_task(uuid, uuid, integer, text) to orchable_worker, service_role;

-- functions/0400_lock_owned_task.sql
create function orchable._lock_owned_task(p_task_id uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
begin
    select * into v_task from public.ai_tasks where id = p_task_id for update;
    if not found or not orchable._caller_owns(v_task.owner_id) then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'check the id; you can only act on your own tasks';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_owned_task(uuid) is
'Locks a task the caller owns, or raises OR004 as if it did not exist.';

-- functions/0410_find_owned_batch.sql
create function orchable._find_owned_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_batch public.task_batches;
begin
    select * into v_batch from public.task_batches where id = p_batch_id;
    if not found or not orchable._caller_owns(v_batch.owner_id) then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', hint = 'check the id; you can only act on your own batches';
    end if;
    return v_batch;
end
$$;

comment on function orchable._find_owned_batch(uuid) is
'The batch if the caller owns it, or raises OR005 as if it did not exist. It does not lock: tasks are always locked before their batch, as workers do, so that the two never deadlock.';

-- functions/0420_approve_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_output jsonb := coalesce(p_output, v_task.output_data);
    v_split_error text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    v_split_error := orchable._split_error(v_task.prompt_template_id, v_output);
    if v_split_error is not null then
        raise exception 'task % cannot be approved: %', p_task_id, v_split_error
            using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
    end if;
    update public.ai_tasks
    set status = 'completed', output_data = v_output, approved_at = now(), completed_at = now(), updated_at = now()
    where id = p_task_id;
    return 'completed';
end
$$;

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output): it completes and its children are created.';

revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;

-- functions/0430_reject_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be rejected';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'a rejection needs a reason'
            using errcode = 'OR003', hint = 'say what is wrong with the output';
    end if;
    update public.ai_tasks
    set
        status = case when coalesce(p_regenerate, true) then 'plan' else 'failed' end,
        output_data = case when coalesce(p_regenerate, true) then null else output_data end,
        error_message = 'rejected: ' || p_reason,
        run_after = now(),
        updated_at = now()
    where id = p_task_id;
    return case when coalesce(p_regenerate, true) then 'plan' else 'failed' end;
end
$$;

comment on function public.reject_task(uuid, text, boolean) is
'Rejects a generated task: regenerates it (back to plan, no retry spent) or fails it for good.';

revoke all on function public.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.reject_task(uuid, text, boolean) to authenticated, service_role;

-- functions/0440_retry_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.retry_task(p_task_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'failed' then
        raise exception 'task % is %; only a failed task can be retried', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'a task that completed has already created its children';
    end if;
    if exists (select from public.task_batches where id = v_task.batch_id and status = 'cancelled') then
        raise exception 'task % belongs to a cancelled batch', p_task_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where id = p_task_id;
    return 'plan';
end
$$;

comment on function public.retry_task(uuid) is
'Puts a failed task back to plan with a fresh set of retries.';

revoke all on function public.retry_task(uuid) from public, anon, authenticated, service_role;
grant execute on function public.retry_task(uuid) to authenticated, service_role;

-- functions/0450_retry_batch.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.retry_batch(p_batch_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
    v_count integer;
begin
    if v_batch.status = 'cancelled' then
        raise exception 'batch % is cancelled', p_batch_id
            using errcode = 'OR007', hint = 'launch the inputs again in a new batch';
    end if;
    update public.ai_tasks
    set status = 'plan', retry_count = 0, lease_expired_count = 0, run_after = now(), output_data = null,
        error_message = null, error_code = null, updated_at = now()
    where batch_id = p_batch_id and status = 'failed';
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

comment on function public.retry_batch(uuid) is
'Puts every failed task of a batch back to plan with a fresh set of retries; returns how many.';

revoke all on function public.retry_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.retry_batch(uuid) to authenticated, service_role;

-- functions/0460_pause_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create function public.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches
    set status = 'paused', status_reason = 'paused by its owner', updated_at = now()
    where id = p_batch_id and status in ('pending', 'processing')
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %; only a pending or processing batch can be paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'nothing is left to pause';
        end if;
    end if;
    return v_batch;
end
$$;

comment on function public.pause_batch(uuid) is
'Pauses a batch: no task of it is claimed until resume_batch; tasks in flight still finish.';

revoke all on function public.pause_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.pause_batch(uuid) to authenticated, service_role;

-- functions/0470_resume_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create function public.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches as b
    set
        status = n.status,
        status_reason = null,
        finished_at = case when n.status in ('completed', 'failed') then now() end,
        updated_at = now()
    from (
        select orchable._batch_status(
            case when started_at is null then 'pending' else 'processing' end,
            total_tasks, completed_tasks, failed_tasks) as status
        from public.task_batches
        where id = p_batch_id
    ) as n
    where b.id = p_batch_id and b.status = 'paused'
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %, not paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'only a paused batch can be resumed';
        end if;
    end if;
    perform pg_notify('orchable_tasks', 'runnable');
    return v_batch;
end
$$;

comment on function public.resume_batch(uuid) is
'Resumes a paused batch: its runnable tasks can be claimed again.';

revoke all on function public.resume_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.resume_batch(uuid) to authenticated, service_role;

-- functions/0480_cancel_batch.sql
-- SECURITY DEFINER: users cannot update batches or tasks directly; ownership is checked
-- here. Tasks are cancelled before the batch row is touched, the order workers lock in.
create function public.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    if v_batch.status in ('completed', 'cancelled') then
        if v_batch.status = 'completed' then
            raise exception 'batch % is completed', p_batch_id
                using errcode = 'OR007', hint = 'nothing is left to cancel';
        end if;
        return v_batch;
    end if;
    update public.ai_tasks
    set status = 'cancelled', claim_token = null, locked_by = null, locked_until = null, updated_at = now()
    where batch_id = p_batch_id and status in ('plan', 'processing', 'generated');
    update public.task_batches
    set status = 'cancelled', status_reason = 'cancelled by its owner', finished_at = now(), updated_at = now()
    where id = p_batch_id
    returning * into v_batch;
    return v_batch;
end
$$;

comment on function public.cancel_batch(uuid) is
'Cancels a batch: its open tasks become cancelled and workers'' results for them are refused (OR006).';

revoke all on function public.cancel_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.cancel_batch(uuid) to authenticated, service_role;

-- functions/0490_delete_batch.sql
-- SECURITY DEFINER: users cannot delete tasks directly; ownership is checked here.
-- Tasks go before the batch row, the order workers lock in.
create function public.delete_batch(p_batch_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    delete from public.ai_tasks where batch_id = v_batch.id;
    delete from public.task_batches where id = v_batch.id;
end
$$;

comment on function public.delete_batch(uuid) is
'Deletes a batch with its tasks and events.';

revoke all on function public.delete_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_batch(uuid) to authenticated, service_role;

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
        -- Wait for a key another worker is taking rather than skip it: a skipped key
        -- would read as "no usable key" and send the task back to wait for nothing.
        for update of h
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
then least recently used. Concurrent callers wait for each other, so none reads a key being taken as none usable.
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

-- functions/0550_api_key_available_at.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables. When acquire_api_key
-- returns no key, the worker asks this when to come back (and releases the task until then).
create function public.api_key_available_at(p_owner_id uuid, p_provider text)
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
    select
        case
            when bool_or(h.blocked_until is null or h.blocked_until <= now()) then now()
            else min(h.blocked_until)
        end
    from public.user_api_keys as k
    left join public.api_key_health as h on h.user_api_key_id = k.id
    where k.owner_id = p_owner_id and k.provider = p_provider and k.is_active
$$;

comment on function public.api_key_available_at(uuid, text) is
'Worker only. When the owner will next have a usable key for the provider: now() if one is usable now,
else the earliest blocked_until of their active keys; null when they have no active key for it (nothing to wait for).';

revoke all on function public.api_key_available_at(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.api_key_available_at(uuid, text) to orchable_worker, service_role;

-- functions/0560_record_llm_call.sql
-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create function public.record_llm_call(
    p_task_id uuid,
    p_provider text,
    p_model text,
    p_outcome text,
    p_api_key_id uuid default null,
    p_input_tokens integer default 0,
    p_output_tokens integer default 0,
    p_cached_tokens integer default 0,
    p_thoughts_tokens integer default 0,
    p_latency_ms integer default null,
    p_http_status integer default null,
    p_error text default null,
    p_response_id text default null
)
returns public.llm_calls
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_task public.ai_tasks;
    v_input integer := coalesce(p_input_tokens, 0);
    v_output integer := coalesce(p_output_tokens, 0);
    v_cached integer := coalesce(p_cached_tokens, 0);
    v_thoughts integer := coalesce(p_thoughts_tokens, 0);
    v_cost numeric(14, 8) := 0;
    v_call public.llm_calls;
    v_api_key_id uuid;
    v_budget numeric;
    v_budget_json jsonb;
begin
    if p_outcome is null or p_outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    ) then
        raise exception 'unknown LLM call outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR016',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;
    if coalesce(btrim(p_provider), '') = '' or coalesce(btrim(p_model), '') = ''
        or least(v_input, v_output, v_cached, v_thoughts) < 0 or p_latency_ms < 0 then
        raise exception 'record_llm_call needs a provider, a model and token counts and latency of zero or more'
            using errcode = 'OR010',
            detail = format('p_provider=%s p_model=%s tokens=%s/%s/%s/%s p_latency_ms=%s',
                p_provider, p_model, v_input, v_output, v_cached, v_thoughts, p_latency_ms),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    select * into v_task from public.ai_tasks where id = p_task_id;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
    select k.id into v_api_key_id
    from public.user_api_keys as k
    where k.id = p_api_key_id and k.owner_id = v_task.owner_id;

    v_cost := orchable._llm_call_cost(p_provider, p_model, v_input, v_output, v_cached, v_thoughts);

    insert into public.llm_calls (
        owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
        input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
    )
    values (
        v_task.owner_id, v_task.batch_id, v_task.id, v_api_key_id, p_provider, p_model, v_task.retry_count,
        p_outcome, p_http_status, p_error, v_input, v_output, v_cached, v_thoughts, p_latency_ms, v_cost,
        p_response_id
    )
    returning * into v_call;

    -- The spend, and the budget: a batch that reaches config.budget_usd pauses itself, so
    -- no task of it is claimed again until its owner resumes it. One update computes both
    -- from the row it locks (no key update: it never waits on the key share locks that the
    -- inserts of concurrent calls hold), and a call that costs nothing in a batch without
    -- a budget does not touch the batch at all.
    select b.config -> 'budget_usd' into v_budget_json from public.task_batches as b where b.id = v_task.batch_id;
    if jsonb_typeof(v_budget_json) = 'number' then
        v_budget := (v_budget_json #>> '{}')::numeric;
    end if;
    if v_cost <> 0 or v_budget is not null then
        update public.task_batches as b
        set
            spent_usd = b.spent_usd + v_cost,
            status = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing') then 'paused'
                else b.status
            end,
            status_reason = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing')
                    then format('budget of %s USD reached (%s USD spent)', v_budget, trim_scale(b.spent_usd + v_cost))
                else b.status_reason
            end,
            updated_at = now()
        where b.id = v_task.batch_id;
    end if;

    return v_call;
end
$$;

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself. Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;

-- functions/0565_record_llm_calls.sql
-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
create function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_task_ids uuid [];
    v_providers text [];
    v_models text [];
    v_outcomes text [];
    v_api_key_ids uuid [];
    v_input integer [];
    v_output integer [];
    v_cached integer [];
    v_thoughts integer [];
    v_latency integer [];
    v_http_status integer [];
    v_errors text [];
    v_response_ids text [];
    v_bad record;
begin
    if jsonb_typeof(p_calls) is distinct from 'array' or jsonb_array_length(p_calls) > 1000 then
        raise exception 'record_llm_calls takes a JSON array of at most 1000 calls'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_calls) = 'array'
                then jsonb_array_length(p_calls) || ' elements' else coalesce(jsonb_typeof(p_calls), 'SQL null') end),
            hint = 'split the calls into calls of 1000 or fewer';
    end if;
    if jsonb_array_length(p_calls) = 0 then
        return 0;
    end if;

    -- A malformed element is a worker bug: refuse the whole call, naming the first one,
    -- before any member is cast to its column type.
    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_calls) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when jsonb_typeof(e.element -> 'task_id') is distinct from 'string'
                or e.element ->> 'task_id' !~ v_uuid then 'has no task_id (a uuid)'
            when jsonb_typeof(e.element -> 'api_key_id') not in ('string', 'null')
                or e.element ->> 'api_key_id' !~ v_uuid then 'has an api_key_id that is not a uuid'
            when exists (
                select from jsonb_each(e.element) as m (name, value)
                where m.name in (
                    'input_tokens', 'output_tokens', 'cached_tokens', 'thoughts_tokens', 'latency_ms', 'http_status'
                )
                and jsonb_typeof(m.value) <> 'null'
                and case when m.value #>> '{}' ~ '^-?[0-9]{1,10}$'
                    then (m.value #>> '{}')::bigint not between -2147483648 and 2147483647 else true end
            ) then 'has a count, latency or http_status that is not a whole number of at most 2147483647'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_calls %: nothing was recorded', v_bad.position, v_bad.reason
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
    end if;

    -- Read once into arrays (in input order); the statements below work on the arrays.
    select
        array_agg(c.task_id order by c.ordinality), array_agg(c.provider order by c.ordinality),
        array_agg(c.model order by c.ordinality), array_agg(c.outcome order by c.ordinality),
        array_agg(c.api_key_id order by c.ordinality), array_agg(coalesce(c.input_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.output_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.cached_tokens, 0) order by c.ordinality),
        array_agg(coalesce(c.thoughts_tokens, 0) order by c.ordinality), array_agg(c.latency_ms order by c.ordinality),
        array_agg(c.http_status order by c.ordinality), array_agg(c.error order by c.ordinality),
        array_agg(c.response_id order by c.ordinality)
    into v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
        v_latency, v_http_status, v_errors, v_response_ids
    from rows from (jsonb_to_recordset(p_calls) as (
        task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
        output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
        http_status integer, error text, response_id text
    )) with ordinality as c;

    -- The checks of record_llm_call, naming the first element that fails each.
    select c.position - 1 as position, c.outcome into v_bad
    from unnest(v_outcomes) with ordinality as c (outcome, position)
    where c.outcome is null or c.outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    )
    order by c.position
    limit 1;
    if found then
        raise exception 'unknown LLM call outcome % in element % of p_calls',
            coalesce(quote_literal(v_bad.outcome), 'null'), v_bad.position
            using errcode = 'OR016',
            detail = 'outcome is not one of the outcomes a call can have; nothing was recorded.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;

    select c.position - 1 as position, c.provider, c.model into v_bad
    from unnest(v_providers, v_models, v_input, v_output, v_cached, v_thoughts, v_latency) with ordinality
        as c (provider, model, input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, position)
    where coalesce(btrim(c.provider), '') = '' or coalesce(btrim(c.model), '') = ''
        or least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) < 0 or c.latency_ms < 0
    order by c.position
    limit 1;
    if found then
        raise exception 'element % of p_calls needs a provider, a model and token counts and latency of zero or more',
            v_bad.position
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    select c.position - 1 as position, c.task_id into v_bad
    from unnest(v_task_ids) with ordinality as c (task_id, position)
    where not exists (select from public.ai_tasks as t where t.id = c.task_id)
    order by c.position
    limit 1;
    if found then
        raise exception 'task % of element % of p_calls not found', v_bad.task_id, v_bad.position
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task; nothing was recorded',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- Every batch touched is locked in id order before the one INSERT and the one UPDATE.
    perform
    from public.task_batches as b
    where b.id in (select t.batch_id from public.ai_tasks as t where t.id = any(v_task_ids))
    order by b.id
    for no key update;

    -- The spend, and the budget (the rules of record_llm_call): a call that costs nothing
    -- in a batch without a budget leaves the batch alone. A key deleted meanwhile (or not
    -- the owner's) is not named; the call is still recorded.
    with inserted as (
        insert into public.llm_calls (
            owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
            input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
        )
        select
            t.owner_id, t.batch_id, t.id, k.id, c.provider, c.model, t.retry_count, c.outcome, c.http_status,
            c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens, c.latency_ms,
            orchable._llm_call_cost(c.provider, c.model, c.input_tokens, c.output_tokens, c.cached_tokens,
                c.thoughts_tokens),
            c.response_id
        from unnest(
            v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
            v_latency, v_http_status, v_errors, v_response_ids
        ) with ordinality as c (
            task_id, provider, model, outcome, api_key_id, input_tokens, output_tokens, cached_tokens,
            thoughts_tokens, latency_ms, http_status, error, response_id, position
        )
        join public.ai_tasks as t on t.id = c.task_id
        left join public.user_api_keys as k on k.id = c.api_key_id and k.owner_id = t.owner_id
        order by c.position
        returning batch_id, cost_usd
    ),
    spend as (
        select i.batch_id, sum(i.cost_usd) as cost,
            case when jsonb_typeof(b.config -> 'budget_usd') = 'number'
                then (b.config ->> 'budget_usd')::numeric end as budget
        from inserted as i
        join public.task_batches as b on b.id = i.batch_id
        group by i.batch_id, b.config
    )
    update public.task_batches as b
    set
        spent_usd = b.spent_usd + s.cost,
        status = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing') then 'paused'
            else b.status
        end,
        status_reason = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing')
                then format('budget of %s USD reached (%s USD spent)', s.budget, trim_scale(b.spent_usd + s.cost))
            else b.status_reason
        end,
        updated_at = now()
    from spend as s
    where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null);

    return cardinality(v_task_ids);
end
$$;

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;

-- policies/0100_orchestrators.sql
alter table public.orchestrators enable row level security;
revoke all on table public.orchestrators from anon, authenticated, service_role;
grant select, delete on table public.orchestrators to authenticated;
grant select, insert, update, delete on table public.orchestrators to service_role;

create policy "Owners can read their own orchestrators"
on public.orchestrators for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own orchestrators"
on public.orchestrators for delete to authenticated
using (owner_id = (select auth.uid()));

-- policies/0110_custom_components.sql
alter table public.custom_components enable row level security;
revoke all on table public.custom_components from anon, authenticated, service_role;
grant select, insert, update, delete on table public.custom_components to authenticated, service_role;

create policy "Signed-in users can read public components and their own"
on public.custom_components for select to authenticated
using (is_public or created_by = (select auth.uid()));

create policy "Users can create components they own"
on public.custom_components for insert to authenticated
with check (created_by = (select auth.uid()));

create policy "Owners can update their own components"
on public.custom_components for update to authenticated
using (created_by = (select auth.uid()))
with check (created_by = (select auth.uid()));

create policy "Owners can delete their own components"
on public.custom_components for delete to authenticated
using (created_by = (select auth.uid()));

-- policies/0120_prompt_templates.sql
-- Stages change only through upsert_orchestrator (validation and versioning); owners
-- may link a custom component and tune its view.
alter table public.prompt_templates enable row level security;
revoke all on table public.prompt_templates from anon, authenticated, service_role;
grant select on table public.prompt_templates to authenticated;
grant update (custom_component_id, view_config) on table public.prompt_templates to authenticated;
grant select, insert, update, delete on table public.prompt_templates to service_role;

create policy "Owners can read their own templates"
on public.prompt_templates for select to authenticated
using (owner_id = (select auth.uid()));

-- The component must be one the owner can read (their own or a public one): the foreign
-- key alone would let them link, and so probe for, another user's private component.
create policy "Owners can set the view of their own templates"
on public.prompt_templates for update to authenticated
using (owner_id = (select auth.uid()))
with check (
    owner_id = (select auth.uid())
    and (
        custom_component_id is null
        or exists (
            select from public.custom_components as c
            where c.id = prompt_templates.custom_component_id
        )
    )
);

-- policies/0130_task_batches.sql
-- Batches change only through the RPCs (launch, pause, resume, cancel, retry, delete),
-- which keep their counters true.
alter table public.task_batches enable row level security;
revoke all on table public.task_batches from anon, authenticated, service_role;
grant select on table public.task_batches to authenticated;
grant select on table public.task_batches to service_role;

create policy "Owners can read their own batches"
on public.task_batches for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/0140_ai_tasks.sql
-- Tasks change only through the RPCs, which keep the life cycle and the counters true.
alter table public.ai_tasks enable row level security;
revoke all on table public.ai_tasks from anon, authenticated, service_role;
grant select on table public.ai_tasks to authenticated, service_role;

create policy "Owners can read their own tasks"
on public.ai_tasks for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/0150_task_events.sql
-- Append-only: nobody but the triggers writes it.
alter table public.task_events enable row level security;
revoke all on table public.task_events from anon, authenticated, service_role;
grant select on table public.task_events to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.task_events_id_seq from anon, authenticated, service_role;

create policy "Owners can read their own events"
on public.task_events for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/0160_orchable_internals.sql
-- orchable's private tables have RLS with no policy (deny all) and no grants; only the
-- SECURITY DEFINER functions, run as their owner, touch them. Its functions are not
-- callable by the API roles either.
alter table orchable.task_trees enable row level security;
alter table orchable.merge_groups enable row level security;
revoke all on all tables in schema orchable from public, anon, authenticated, service_role;
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;

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

-- policies/0300_views.sql
-- The views run with the caller's rights (security_invoker), so RLS still applies.
revoke all on table public.v_runnable_tasks, public.v_stage_progress from anon, authenticated, service_role;
grant select on table public.v_runnable_tasks to authenticated, service_role;
grant select on table public.v_stage_progress to authenticated, service_role;

-- policies/0400_ai_models.sql
-- The model catalogue: every signed-in user reads it; only service_role (operators, the
-- seed) changes it.
alter table public.ai_models enable row level security;
revoke all on table public.ai_models from anon, authenticated, service_role, orchable_worker;
grant select on table public.ai_models to authenticated;
grant select, insert, update, delete on table public.ai_models to service_role;

create policy "Signed-in users can read the model catalogue"
on public.ai_models for select to authenticated
using (true);

-- policies/0410_llm_calls.sql
-- Append-only: nobody but record_llm_call writes it.
alter table public.llm_calls enable row level security;
revoke all on table public.llm_calls from anon, authenticated, service_role, orchable_worker;
grant select on table public.llm_calls to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.llm_calls_id_seq from anon, authenticated, service_role, orchable_worker;

create policy "Owners can read their own LLM calls"
on public.llm_calls for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/0420_v_batch_progress.sql
-- The view runs with the caller's rights (security_invoker), so RLS on the batches,
-- tasks, events and calls it reads still applies.
revoke all on table public.v_batch_progress from anon, authenticated, service_role, orchable_worker;
grant select on table public.v_batch_progress to authenticated, service_role;

-- seeds/ai_models.sql
-- The model catalogue and its list prices (USD per million tokens, standard tier, the
-- tier for the shortest prompts), each with the page it was read from and when. Run
-- again after a price change: rows are updated in place. A price left null was not found.
insert into public.ai_models (
    provider, model, display_name,
    input_usd_per_million, output_usd_per_million, cached_input_usd_per_million,
    context_window, price_source, price_read_on, is_active
)
values
-- Google Gemini: prices for prompts up to 200k tokens; thinking tokens are output.
(
    'gemini', 'gemini-2.5-pro', 'Gemini 2.5 Pro', 1.25, 10.00, 0.125, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.5-flash', 'Gemini 2.5 Flash', 0.30, 2.50, 0.03, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 0.10, 0.40, null, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.0-flash', 'Gemini 2.0 Flash', 0.10, 0.40, null, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
-- OpenAI.
(
    'openai', 'gpt-4o-mini', 'GPT-4o mini', 0.15, 0.60, 0.075, 128000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', true
),
(
    'openai', 'gpt-4.1-mini', 'GPT-4.1 mini', 0.40, 1.60, 0.10, 1047576,
    'https://platform.openai.com/docs/pricing', '2026-11-21', true
),
(
    'openai', 'gpt-5', 'GPT-5', 1.25, 10.00, 0.125, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
(
    'openai', 'gpt-5-mini', 'GPT-5 mini', 0.25, 2.00, null, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
(
    'openai', 'gpt-5-nano', 'GPT-5 nano', 0.05, 0.40, null, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
-- Anthropic: listed by the seed; the worker has no Anthropic provider yet (inactive).
(
    'anthropic', 'claude-sonnet-4-20250514', 'Claude Sonnet 4', 3.00, 15.00, 0.30, 200000,
    'https://docs.anthropic.com/en/docs/about-claude/pricing', '2026-11-21', false
),
(
    'anthropic', 'claude-3-5-haiku-20241022', 'Claude Haiku 3.5', 0.80, 4.00, 0.08, 200000,
    'https://docs.anthropic.com/en/docs/about-claude/pricing', '2026-11-21', false
),
-- The offline provider calls no model and costs nothing.
('offline', 'offline', 'Offline (no model)', 0, 0, 0, null, 'orchable', '2026-11-21', true)
on conflict (provider, model) do update
    set
        display_name = excluded.display_name,
        input_usd_per_million = excluded.input_usd_per_million,
        output_usd_per_million = excluded.output_usd_per_million,
        cached_input_usd_per_million = excluded.cached_input_usd_per_million,
        context_window = excluded.context_window,
        price_source = excluded.price_source,
        price_read_on = excluded.price_read_on,
        is_active = excluded.is_active,
        updated_at = now();
