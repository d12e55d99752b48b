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
