create table public.human_interactions (
    id uuid primary key,
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    task_id uuid not null references public.ai_tasks (id) on delete cascade,
    stage_key text not null,
    interaction_type text not null,
    channel_type text not null,
    channels text[] not null,
    endpoint_ids uuid[] not null default '{}',
    responder_ids uuid[] not null,
    status text not null default 'pending',
    outcome text,
    priority text not null default 'normal',
    required_approvals integer not null default 1,
    request_data jsonb not null,
    response_data jsonb,
    timeout_at timestamptz,
    on_timeout text not null default 'reject',
    next_step_at timestamptz,
    reminders_sent integer not null default 0,
    escalation_level integer not null default 0,
    correlation_id text not null,
    tags text[] not null default '{}',
    policy jsonb not null default '{}',
    approvals integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    responded_at timestamptz,
    constraint human_interactions_interaction_type_known check (
        interaction_type in ('approval', 'input', 'selection', 'review')
    ),
    constraint human_interactions_channel_type_known check (channel_type in ('in_app', 'email', 'webhook', 'slack')),
    constraint human_interactions_channels_known check (
        channels <@ array['in_app', 'email', 'webhook', 'slack'] and cardinality(channels) > 0
    ),
    constraint human_interactions_status_known check (
        status in ('pending', 'responded', 'timeout', 'error', 'cancelled')
    ),
    constraint human_interactions_outcome_fits_status check (
        case status
            when 'pending' then outcome is null
            when 'responded' then outcome in ('approved', 'rejected', 'selected', 'answered', 'reviewed')
            when 'timeout'
                then outcome in ('timeout_rejected', 'timeout_approved', 'timeout_failed', 'timeout_cancelled_batch')
            when 'cancelled' then outcome = 'cancelled'
            else true
        end
    ),
    constraint human_interactions_settled_has_responded_at check ((status = 'pending') = (responded_at is null)),
    constraint human_interactions_priority_known check (priority in ('low', 'normal', 'high', 'critical')),
    constraint human_interactions_on_timeout_known check (
        on_timeout in ('reject', 'approve', 'fail', 'cancel_batch', 'escalate')
    ),
    constraint human_interactions_required_approvals_range check (required_approvals between 1 and 100),
    constraint human_interactions_request_data_is_object check (jsonb_typeof(request_data) = 'object'),
    constraint human_interactions_correlation_id_key unique (correlation_id)
);

-- A task waits on at most one open question at a time.
create unique index human_interactions_one_pending_per_task
on public.human_interactions (task_id) where status = 'pending';
-- tick(): the open interactions whose next reminder, escalation or timeout is due.
create index human_interactions_next_step_at_idx
on public.human_interactions (next_step_at) where status = 'pending' and next_step_at is not null;
-- An owner's inbox, oldest first, and a batch's interactions.
create index human_interactions_owner_id_created_at_idx
on public.human_interactions (owner_id, created_at) where status = 'pending';
create index human_interactions_batch_id_idx on public.human_interactions (batch_id);
create index human_interactions_task_id_idx on public.human_interactions (task_id);
create index human_interactions_orchestrator_id_idx on public.human_interactions (orchestrator_id);
-- Responders who are not the owner find the questions put to them.
create index human_interactions_responder_ids_idx
on public.human_interactions using gin (responder_ids) where status = 'pending';

comment on table public.human_interactions is
'A question put to people about a task''s output (approve, give input, choose, review), opened in the transaction that makes the task wait in generated and settled exactly once: by an answer, a timeout or a cancellation.';
comment on column public.human_interactions.id is 'The interaction id; every answer names it.';
comment on column public.human_interactions.owner_id is 'The user who owns the batch.';
comment on column public.human_interactions.orchestrator_id is 'The pipeline of the task.';
comment on column public.human_interactions.batch_id is 'The batch of the task.';
comment on column public.human_interactions.task_id is 'The task waiting for the answer (in generated).';
comment on column public.human_interactions.stage_key is 'The stage that asks.';
comment on column public.human_interactions.interaction_type is
'approval (approve, with an edit, or reject), input (an answer that fits input_schema), selection (one of the options), review (approve or reject with a comment and a score).';
comment on column public.human_interactions.channel_type is 'The first channel asked through (seed column); channels lists them all.';
comment on column public.human_interactions.channels is 'Every channel asked through: in_app, email, webhook, slack.';
comment on column public.human_interactions.endpoint_ids is 'The notification endpoints the question and its reminders went to, escalations included.';
comment on column public.human_interactions.responder_ids is 'The users who may answer in the app (the stage''s responders, else the owner), escalations included.';
comment on column public.human_interactions.status is 'pending, responded (a person decided), timeout (time ran out: never recorded as a person''s answer), error, cancelled.';
comment on column public.human_interactions.outcome is
'What settled it: approved, rejected, selected, answered, reviewed; timeout_rejected, timeout_approved, timeout_failed, timeout_cancelled_batch; cancelled.';
comment on column public.human_interactions.priority is 'low, normal, high or critical.';
comment on column public.human_interactions.required_approvals is 'Approvals from distinct people needed (quorum); any rejection settles it.';
comment on column public.human_interactions.request_data is
'What is asked: message, the task''s input and output, options, input_schema, allowed_decisions, answer_key.';
comment on column public.human_interactions.response_data is 'The outcome: the decision, the answer or choice, the output before and after an edit, who decided.';
comment on column public.human_interactions.timeout_at is 'When time runs out; null waits until answered.';
comment on column public.human_interactions.on_timeout is 'What a timeout does: reject (default), approve, fail, cancel_batch, escalate.';
comment on column public.human_interactions.next_step_at is 'When tick() next acts on it: a reminder, an escalation step or the timeout.';
comment on column public.human_interactions.reminders_sent is 'Reminders sent so far.';
comment on column public.human_interactions.escalation_level is 'Escalation steps taken so far.';
comment on column public.human_interactions.correlation_id is 'orchable:<id>, carried by every message about it so channel answers can name it.';
comment on column public.human_interactions.policy is
'What happens while nobody answers, from the stage: timeout, reminders, escalation steps, the default answer.';
comment on column public.human_interactions.approvals is 'Approvals from distinct people so far.';
comment on column public.human_interactions.tags is 'Free labels (seed column).';
comment on column public.human_interactions.created_at is 'When the question was asked.';
comment on column public.human_interactions.updated_at is 'When it last changed.';
comment on column public.human_interactions.responded_at is 'When it was settled (answer, timeout or cancellation).';
