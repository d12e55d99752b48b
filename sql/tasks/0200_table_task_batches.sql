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
