create table public.monitor_executions (
    id uuid primary key default gen_random_uuid(),
    monitor_id uuid not null references public.monitors (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    batch_id uuid references public.task_batches (id) on delete set null,
    -- No foreign key: a task goes with its batch, and the run's record stays.
    task_id uuid,
    status text not null default 'pending',
    scheduled_for timestamptz,
    dry_run boolean not null default false,
    started_at timestamptz not null default now(),
    completed_at timestamptz,
    result jsonb,
    error_message text,
    condition_met boolean,
    change_summary text,
    grounded boolean,
    grounding_sources jsonb,
    search_queries text[],
    search_entry_point text,
    notified boolean not null default false,
    notify_reason text,
    cost_usd numeric(14, 8),
    grounding_supports jsonb,
    constraint monitor_executions_status_known check (
        status in ('pending', 'running', 'success', 'failed', 'cancelled')
    ),
    constraint monitor_executions_finished_has_completed_at check (
        (status in ('success', 'failed', 'cancelled')) = (completed_at is not null)
    )
);

create index monitor_executions_monitor_id_started_at_idx
on public.monitor_executions (monitor_id, started_at desc);
create unique index monitor_executions_batch_id_key on public.monitor_executions (batch_id);
create index monitor_executions_owner_id_started_at_idx
on public.monitor_executions (owner_id, started_at desc);

comment on table public.monitor_executions is
'One run of a monitor (Torale''s task_executions): the ai_tasks row (in a batch of its own) that searched, what it answered and found, its sources, whether it notified and why or why not, and what it cost.';
comment on column public.monitor_executions.status is
'pending (queued), running (claimed), success, failed (after its retries) or cancelled (its batch was).';
comment on column public.monitor_executions.scheduled_for is 'The scheduled time the run is for; null for run_monitor_now.';
comment on column public.monitor_executions.dry_run is 'run_monitor_now(p_notify => false): the run notifies no one and changes nothing the monitor knows.';
comment on column public.monitor_executions.result is 'The verdict: answer, condition_met, reasoning and current_state (the facts to compare next time).';
comment on column public.monitor_executions.change_summary is 'What changed in current_state since the run before, or why nothing is compared.';
comment on column public.monitor_executions.grounded is 'Whether the answer came with grounding metadata (a web search it rests on).';
comment on column public.monitor_executions.grounding_sources is 'The sources the answer rests on: [{uri, title}].';
comment on column public.monitor_executions.grounding_supports is 'Which parts of the answer rest on which sources: [{text, start_index, end_index, source_indices, confidence_scores}].';
comment on column public.monitor_executions.search_queries is 'The web searches the model ran.';
comment on column public.monitor_executions.search_entry_point is 'Google''s search suggestions (HTML), which its terms require showing with a grounded answer.';
comment on column public.monitor_executions.notified is 'Whether the run notified the owner.';
comment on column public.monitor_executions.notify_reason is
'Why the run notified (condition_met, state_changed, failures) or not (condition_not_met, unchanged, already_notified, muted, snoozed, ungrounded, dry_run, failed).';
comment on column public.monitor_executions.cost_usd is 'What the run''s model calls cost.';
comment on column public.monitor_executions.id is 'The execution''s id.';
comment on column public.monitor_executions.monitor_id is 'The monitor it ran for.';
comment on column public.monitor_executions.owner_id is 'The monitor''s owner.';
comment on column public.monitor_executions.batch_id is 'The batch of the run (one task, in the owner''s "monitors (orchable)" pipeline).';
comment on column public.monitor_executions.task_id is 'The ai_tasks row that ran the search.';
comment on column public.monitor_executions.started_at is 'When the run was started.';
comment on column public.monitor_executions.completed_at is 'When it ended.';
comment on column public.monitor_executions.error_message is 'Why a failed run failed.';
comment on column public.monitor_executions.condition_met is 'Whether the verdict found the condition met.';
