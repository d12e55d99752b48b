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
    -- No foreign key: its index would be written by every claim and completion (each a new
    -- row version) for one reader, the key check of a deleted version. A version goes only
    -- with its pipeline or owner, and so with their tasks (prompt_templates_10_keep_versions).
    prompt_template_id text not null,
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
)
-- A task is written at least three times (launched, claimed, completed), each time as a
-- new row version: room on its page keeps the new version beside the old one, so an
-- update dirties one page, not two.
with (fillfactor = 80);

-- The claim: exactly the predicate of v_runnable_tasks, per owner in due order (a claim
-- shares its tasks between owners). A processing task whose lease has expired sorts by
-- locked_until, so one index serves both; the owners with open tasks are found by
-- walking its first column.
create index ai_tasks_runnable_idx on public.ai_tasks (
    owner_id, (case when status = 'processing' then locked_until else run_after end)
) where status in ('plan', 'processing');
-- No task gets a second child of one stage from one parent (fan-out happens once).
create unique index ai_tasks_one_child_per_stage_key
on public.ai_tasks (parent_task_id, stage_key, branch_index) nulls not distinct
where parent_task_id is not null;
-- A batch's tasks by stage and status. owner_id is in the key (a batch has one owner, so
-- it costs nothing in order) so that a user's per-batch counts under RLS, which adds
-- owner_id = auth.uid(), are read from this index alone; so is each stage's step
-- (v_stage_progress), which never changes after the insert.
create index ai_tasks_batch_id_owner_id_stage_key_status_idx
on public.ai_tasks (batch_id, owner_id, stage_key, status) include (step_number);
-- A user's tasks, newest first. The id makes every key unique: a batch's tasks share one
-- created_at (their launch), and as one key they would share one posting list, which
-- every claim and completion (each writes a new row version) rewrites; as unique keys,
-- a new version's entry goes in next to the old one. 3% fewer instructions per task.
create index ai_tasks_owner_id_created_at_id_idx on public.ai_tasks (owner_id, created_at desc, id desc);
create index ai_tasks_root_task_id_idx on public.ai_tasks (root_task_id);
create index ai_tasks_split_task_id_idx on public.ai_tasks (split_task_id, stage_key, branch_index)
where split_task_id is not null;

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
comment on column public.ai_tasks.run_after is 'A plan task is runnable from this time on (retry backoff; infinity while its batch is paused).';
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
comment on column public.ai_tasks.id is 'The task id; orchable makes time-ordered ones (orchable.time_ordered_uuid).';
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
