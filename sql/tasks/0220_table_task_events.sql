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
    -- The timeline (v_batch_timeline): added after the columns above, in this order.
    category text not null default 'technical',
    level text not null default 'info',
    message text,
    stage_key text,
    progress numeric(5, 2),
    constraint task_events_event_known check (event in ('task_status', 'batch_status', 'interaction', 'pause')),
    -- A task's status change names its task, a batch's names none; an interaction or a
    -- pause may name the task it is about.
    constraint task_events_task_event_has_task check (
        (event <> 'task_status' or task_id is not null) and (event <> 'batch_status' or task_id is null)
    ),
    constraint task_events_category_known check (category in ('technical', 'business')),
    constraint task_events_level_known check (level in ('debug', 'info', 'warning', 'error')),
    constraint task_events_progress_in_range check (progress >= 0 and progress <= 100),
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
'Append-only log of every task and batch status change, interaction step and pause: the timeline of a batch (v_batch_timeline).';
comment on column public.task_events.event is
'task_status, batch_status, interaction (a step of a human interaction) or pause (a batch pause begun or ended).';
comment on column public.task_events.from_status is 'The status before the change; null when the row was created.';
comment on column public.task_events.detail is
'What came with the change: worker, error, attempt, reason; for an interaction its id, channel, responder and outcome; for a pause its id and reason.';
comment on column public.task_events.batch_id is 'The batch of the task or the batch that changed.';
comment on column public.task_events.created_at is 'When the change happened.';
comment on column public.task_events.id is 'Order of the events.';
comment on column public.task_events.owner_id is 'The user who owns the batch.';
comment on column public.task_events.task_id is 'The task that changed; null for a batch event.';
comment on column public.task_events.to_status is
'The status after the change; for an interaction the step (requested, answered, reminded, escalated, responded, timeout, cancelled), for a pause paused or how it ended (resumed, timeout, cancelled).';
comment on column public.task_events.category is
'business (a milestone a user follows: batch status, a task generated, completed or failed, interactions, pauses) or technical (claims, retries, tasks queued).';
comment on column public.task_events.level is 'debug, info, warning or error.';
comment on column public.task_events.message is
'What happened, as a sentence for people ("outline generated, waiting for people"); null for events logged before the timeline.';
comment on column public.task_events.stage_key is 'The stage of the task the event is about; null for a batch event.';
comment on column public.task_events.progress is
'The batch''s finished inputs (completed and failed) over all its inputs, in percent, as its counters stood when the event was written: a task''s event is written before the input it finishes is counted, a batch''s after.';
