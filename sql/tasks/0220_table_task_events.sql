create table public.task_events (
    id bigint generated always as identity,
    -- No foreign keys: every status change writes here, and a key check per row locks the
    -- batch row that every worker's events name (FOR KEY SHARE), so concurrent completions
    -- of one batch share that lock. Events go with their batch through
    -- task_batches_40_delete_events; their rows come from triggers on rows that exist.
    owner_id uuid not null,
    batch_id uuid not null,
    task_id uuid,
    event text not null,
    from_status text,
    to_status text not null,
    detail jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint task_events_event_known check (event in ('task_status', 'batch_status')),
    constraint task_events_task_event_has_task check ((event = 'task_status') = (task_id is not null)),
    -- The key leads with the batch: a batch's events in order (and their deletion with it)
    -- are read from the key itself, so an event writes one index entry fewer.
    constraint task_events_pkey primary key (batch_id, id)
);

-- Every task writes about three events and few are read, so the log keeps only the
-- indexes of its readers: a batch's events in order (its key), a task's history, and the
-- pace v_batch_progress reports. A user's events across batches are read batch by batch.
create index task_events_task_id_idx on public.task_events (task_id) where task_id is not null;
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
