-- The seed's workflow_execution_pauses: every time a batch, or a task of it, stops for
-- something other than work (a person, an interaction, a budget, an error), with what
-- ended the pause. Written by pause_batch, resume_batch, cancel_batch, record_llm_call(s),
-- a failure under pause_on_error and the interactions; the timeline gets a `pause` event
-- for each change.
create table public.batch_pauses (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    -- No foreign keys to the task or the interaction: the pause goes with its batch.
    task_id uuid,
    interaction_id uuid,
    reason text not null,
    status text not null default 'active',
    detail jsonb not null default '{}',
    paused_at timestamptz not null default now(),
    paused_by uuid,
    resumed_at timestamptz,
    resumed_by uuid,
    resume_trigger text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint batch_pauses_reason_known check (reason in ('person', 'interaction', 'budget', 'error')),
    constraint batch_pauses_status_known check (status in ('active', 'resumed', 'timeout', 'cancelled')),
    constraint batch_pauses_resume_trigger_known check (
        resume_trigger in ('person', 'answer', 'timeout', 'cancel', 'budget')
    ),
    -- A pause that ended says when and what ended it; an active one says neither.
    constraint batch_pauses_active_or_resumed_at_set check (
        (status = 'active') = (resumed_at is null) and (status = 'active') = (resume_trigger is null)
    ),
    constraint batch_pauses_resumed_after_paused check (resumed_at >= paused_at)
);

-- A batch's pauses in order (its timeline, and their deletion with it).
create index batch_pauses_batch_id_paused_at_idx on public.batch_pauses (batch_id, paused_at);
-- The active pauses of a batch, which resume_batch and cancel_batch end.
create index batch_pauses_active_idx on public.batch_pauses (batch_id) where status = 'active';
-- An interaction's pause, which its answer, timeout or cancellation ends.
create index batch_pauses_interaction_id_idx on public.batch_pauses (interaction_id) where interaction_id is not null;

comment on table public.batch_pauses is
'Every pause of a batch (the seed''s workflow_execution_pauses): why (a person, an interaction, a budget, an error), when, by whom, and what ended it. Written by orchable only.';
comment on column public.batch_pauses.id is 'The pause id.';
comment on column public.batch_pauses.owner_id is 'The user who owns the batch.';
comment on column public.batch_pauses.batch_id is 'The batch that paused.';
comment on column public.batch_pauses.task_id is 'The task the pause waits on (an interaction''s task); null when the whole batch paused.';
comment on column public.batch_pauses.interaction_id is 'The human interaction the pause waits for (reason interaction).';
comment on column public.batch_pauses.reason is
'person (pause_batch), interaction (a task waiting for an answer), budget (config.budget_usd reached) or error (a task failed for good in a batch launched with config.pause_on_error).';
comment on column public.batch_pauses.status is
'active (still paused), resumed, timeout (the wait ran out) or cancelled (the batch was cancelled).';
comment on column public.batch_pauses.detail is 'What came with the pause: the budget and the spend, the status reason, the interaction''s type.';
comment on column public.batch_pauses.paused_at is 'When the pause began.';
comment on column public.batch_pauses.paused_by is 'The user who paused the batch (reason person); null when orchable paused it.';
comment on column public.batch_pauses.resumed_at is 'When the pause ended (resumed, timed out or cancelled); null while active.';
comment on column public.batch_pauses.resumed_by is 'The user who ended the pause, when a person did.';
comment on column public.batch_pauses.resume_trigger is
'What ended the pause: person (resume_batch), answer (an interaction answered), timeout, cancel (cancel_batch) or budget.';
comment on column public.batch_pauses.created_at is 'When the row was written.';
comment on column public.batch_pauses.updated_at is 'When the row last changed.';
