-- Delta from the sources below: the task_events columns, batch_pauses, the timeline view,
-- live updates (publication, broadcast, NOTIFY) and retention. Table changes by hand;
-- function, view and policy files copied by the rules of scripts/new-migration.sh.

-- sql/platform/0030_table_limits.sql (the new rows, by hand)
insert into orchable.limits (name, value, description) values
(
    'event_retention_days', 30,
    'days tick() keeps the events of a finished batch (hourly cleanup_old_events); delete the row to keep them'
),
(
    'llm_call_retention_days', 90,
    'days tick() keeps the LLM calls of a finished batch (hourly cleanup_old_llm_calls); delete the row to keep them'
),
('retention_chunk_rows', 5000, 'events or LLM calls one retention statement deletes (and locks) at most'),
('retention_chunk_batches', 100, 'finished batches purge_finished_batches deletes in one statement at most'),
(
    'retention_rows_per_call', 100000,
    'events, LLM calls or batches one retention call deletes at most; the rest wait for the next call'
)
on conflict (name) do nothing;

-- sql/tasks/0220_table_task_events.sql (the timeline columns, by hand). The defaults are
-- constants, so adding the columns rewrites nothing; the checks are added not valid, then
-- validated without blocking writes. Events logged before keep a null message, stage and
-- progress: v_batch_timeline reads their stage from detail and makes their sentence.
alter table public.task_events
add column category text not null default 'technical',
add column level text not null default 'info',
add column message text,
add column stage_key text,
add column progress numeric(5, 2);
alter table public.task_events drop constraint task_events_event_known;
alter table public.task_events drop constraint task_events_task_event_has_task;
alter table public.task_events
add constraint task_events_event_known check (
    event in ('task_status', 'batch_status', 'interaction', 'pause')
) not valid,
add constraint task_events_task_event_has_task check (
    (event <> 'task_status' or task_id is not null) and (event <> 'batch_status' or task_id is null)
) not valid,
add constraint task_events_category_known check (category in ('technical', 'business')) not valid,
add constraint task_events_level_known check (level in ('debug', 'info', 'warning', 'error')) not valid,
add constraint task_events_progress_in_range check (progress >= 0 and progress <= 100) not valid;
alter table public.task_events validate constraint task_events_event_known;
alter table public.task_events validate constraint task_events_task_event_has_task;
alter table public.task_events validate constraint task_events_category_known;
alter table public.task_events validate constraint task_events_level_known;
alter table public.task_events validate constraint task_events_progress_in_range;
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

-- sql/tasks/0280_table_batch_pauses.sql
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

-- sql/timeline/1200_view_v_batch_timeline.sql
-- The story of a batch: its events in the order they happened, each as a sentence with
-- its level, stage and the batch's progress. Read one batch at a time
-- (where batch_id = ...): the rows come in order from task_events' key (batch_id, id).
create or replace view public.v_batch_timeline with (security_invoker = true) as
select
    e.batch_id,
    e.id as event_id,
    e.created_at,
    e.event,
    e.category,
    e.level,
    coalesce(
        e.message,
        case
            when e.event = 'batch_status' then 'Batch ' || e.to_status
            else concat_ws(' ', e.detail ->> 'stage_key', e.to_status)
        end
    ) as message,
    coalesce(e.stage_key, e.detail ->> 'stage_key') as stage_key,
    e.task_id,
    e.from_status,
    e.to_status,
    e.progress,
    e.detail
from public.task_events as e
order by e.batch_id, e.id;

comment on view public.v_batch_timeline is
'The timeline of each batch, in order: every status change of the batch and its tasks, interaction step and pause, as a sentence with its category, level, stage and the batch''s progress. Filter by batch_id.';
comment on column public.v_batch_timeline.batch_id is 'The batch.';
comment on column public.v_batch_timeline.event_id is 'The event (task_events.id); ordering by it orders the story.';
comment on column public.v_batch_timeline.created_at is 'When it happened.';
comment on column public.v_batch_timeline.event is 'task_status, batch_status, interaction or pause.';
comment on column public.v_batch_timeline.category is 'business (a milestone) or technical (claims, retries, tasks queued).';
comment on column public.v_batch_timeline.level is 'debug, info, warning or error.';
comment on column public.v_batch_timeline.message is 'What happened, as a sentence.';
comment on column public.v_batch_timeline.stage_key is 'The stage of the task it is about; null for a batch event.';
comment on column public.v_batch_timeline.task_id is 'The task it is about, if any.';
comment on column public.v_batch_timeline.from_status is 'The status before the change, for a status change.';
comment on column public.v_batch_timeline.to_status is 'The status after the change, or the interaction''s or pause''s step.';
comment on column public.v_batch_timeline.progress is 'The batch''s finished inputs over all its inputs, in percent, at that moment.';
comment on column public.v_batch_timeline.detail is 'What came with it: worker, error, attempt, reason, interaction, pause.';

-- sql/timeline/1210_table_retention_runs.sql
-- When tick() last ran retention, and what it deleted: one row, so that it runs at most
-- once an hour however many processes tick.
create table orchable.retention_runs (
    name text primary key,
    last_run_at timestamptz not null,
    events_deleted bigint not null default 0,
    llm_calls_deleted bigint not null default 0,
    batches_deleted bigint not null default 0
);

comment on table orchable.retention_runs is
'The last retention run of tick() (name tick): when, and how many events, LLM calls and finished batches it deleted.';

-- sql/timeline/1220_index_task_batches_finished_at.sql
-- Retention reads the batches that finished before a moment (cleanup_old_events,
-- cleanup_old_llm_calls, purge_finished_batches), oldest first: from this index rather
-- than the whole table. Only finished batches are in it, and a batch enters it once.
create index task_batches_finished_at_idx on public.task_batches (finished_at)
where status in ('completed', 'failed', 'cancelled');

-- functions/tasks/0295__log_event.sql
-- One timeline event that is not a status change of a task or a batch (which triggers
-- log): an interaction's step, a pause begun or ended. The owner comes from the batch,
-- the stage from the task when there is one, and the progress from the batch's counters.
create or replace function orchable._log_event(
    p_batch_id uuid,
    p_task_id uuid,
    p_event text,
    p_to_status text,
    p_detail jsonb,
    p_message text,
    p_category text default 'business',
    p_level text default 'info'
)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.task_events (
        owner_id, batch_id, task_id, event, from_status, to_status, detail,
        category, level, message, stage_key, progress
    )
    select b.owner_id, b.id, p_task_id, p_event, null, p_to_status, coalesce(p_detail, '{}'),
        p_category, p_level, p_message,
        (select t.stage_key from public.ai_tasks as t where t.id = p_task_id),
        case when b.total_tasks = 0 then 0
            else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end
    from public.task_batches as b
    where b.id = p_batch_id;
    if not found then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', detail = format('the %s event %s cannot be logged without its batch', p_event, p_to_status),
            hint = 'the batch was deleted meanwhile';
    end if;
end
$$;

comment on function orchable._log_event(uuid, uuid, text, text, jsonb, text, text, text) is
'Appends one task_events row (an interaction step, a pause) to a batch''s timeline, with its owner, the task''s stage and the batch''s progress; OR005 when the batch does not exist.';

-- functions/tasks/0300__tg_ai_tasks__log_events.sql
-- The timeline's task events. Each row also carries a category, a level, a sentence and
-- the batch's progress: the sentence is a concatenation and the progress is computed once
-- per batch of the statement (a CTE over the batches it names), so that the three events
-- a task writes stay about as cheap as they were. The stage is a column of its own, so
-- the detail of a claim names only its worker and a completion's is empty.
create or replace function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        with batches as materialized (
            select b.id,
                case when b.total_tasks = 0 then 0
                    else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end as progress
            from public.task_batches as b
            where b.id in (select n.batch_id from new_tasks as n)
        )
        insert into public.task_events (
            owner_id, batch_id, task_id, event, from_status, to_status, detail,
            category, level, message, stage_key, progress
        )
        select n.owner_id, n.batch_id, n.id, 'task_status', null, n.status, '{}',
            'technical', 'debug', n.stage_key || ' queued', n.stage_key, b.progress
        from new_tasks as n
        join batches as b on b.id = n.batch_id;
    else
        with batches as materialized (
            select b.id,
                case when b.total_tasks = 0 then 0
                    else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end as progress
            from public.task_batches as b
            where b.id in (select n.batch_id from new_tasks as n)
        )
        insert into public.task_events (
            owner_id, batch_id, task_id, event, from_status, to_status, detail,
            category, level, message, stage_key, progress
        )
        select n.owner_id, n.batch_id, n.id, 'task_status', o.status, n.status,
            -- The detail of a claim and of a completion, most of the events, is built
            -- directly, at about half the cost of the general form with its nulls stripped.
            case
                when n.retry_count = o.retry_count and n.status = 'processing' and n.locked_by is not null
                    then jsonb_build_object('worker', n.locked_by)
                when n.retry_count = o.retry_count and n.status in ('generated', 'completed', 'cancelled')
                    then '{}'::jsonb
                else jsonb_strip_nulls(jsonb_build_object(
                    'worker', case when n.status = 'processing' then n.locked_by end,
                    'retry_count', case when n.retry_count <> o.retry_count then n.retry_count end,
                    'error', case when n.status in ('plan', 'failed') then n.error_message end,
                    'error_code', case when n.status = 'failed' then n.error_code end
                ))
            end,
            -- Claims, retries and releases are the queue's business; what a stage produced
            -- or lost, and a person's rejection or retry, are the user's.
            case
                when n.status = 'processing' or (n.status = 'plan' and o.status = 'processing') then 'technical'
                else 'business'
            end,
            case
                when n.status = 'failed' then 'error'
                when n.status = 'cancelled' then 'warning'
                when n.status = 'plan'
                    and (o.status = 'generated' or (o.status = 'processing' and n.retry_count <> o.retry_count))
                    then 'warning'
                else 'info'
            end,
            case n.status
                when 'processing' then n.stage_key || ' started by ' || coalesce(n.locked_by, 'a worker')
                when 'completed' then n.stage_key || ' completed'
                when 'generated' then n.stage_key || ' generated, waiting for people'
                when 'failed' then n.stage_key || ' failed' || coalesce(': ' || left(n.error_message, 200), '')
                when 'cancelled' then n.stage_key || ' cancelled'
                else case
                    when o.status = 'generated' then n.stage_key || ' rejected, generating again'
                        || coalesce(': ' || left(n.error_message, 200), '')
                    when o.status in ('failed', 'cancelled') then n.stage_key || ' queued again'
                    when o.status = 'processing' and n.retry_count <> o.retry_count then n.stage_key || ' failed, retry ' || n.retry_count
                        || ' of ' || n.max_retries || coalesce(': ' || left(n.error_message, 200), '')
                    else n.stage_key || ' put back in the queue' || coalesce(': ' || left(n.error_message, 200), '')
                end
            end,
            n.stage_key,
            b.progress
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        join batches as b on b.id = n.batch_id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__log_events() is
'Statement trigger: appends a task_events row for every task created and every task status change, with its category, level, message, stage and the batch''s progress.';

drop trigger if exists ai_tasks_30_log_events_inserted on public.ai_tasks;
create trigger ai_tasks_30_log_events_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

drop trigger if exists ai_tasks_30_log_events_updated on public.ai_tasks;
create trigger ai_tasks_30_log_events_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

-- functions/tasks/0320__tg_task_batches__log_events.sql
-- The timeline's batch events: every batch status change is a milestone (category
-- business), with a sentence and the progress after the change.
create or replace function orchable.tg_task_batches__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (
            owner_id, batch_id, event, from_status, to_status, detail, category, level, message, progress
        )
        select n.owner_id, n.id, 'batch_status', null, n.status, jsonb_build_object('name', n.name),
            'business', 'info', format('Batch %s launched', n.name), 0
        from new_batches as n;
    else
        insert into public.task_events (
            owner_id, batch_id, event, from_status, to_status, detail, category, level, message, progress
        )
        select n.owner_id, n.id, 'batch_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'reason', n.status_reason,
                'completed_tasks', n.completed_tasks,
                'failed_tasks', n.failed_tasks
            )),
            'business',
            case n.status when 'failed' then 'error' when 'paused' then 'warning' when 'cancelled' then 'warning'
                else 'info' end,
            case
                when n.status = 'completed'
                    then format('Batch completed: %s of %s inputs', n.completed_tasks, n.total_tasks)
                when n.status = 'failed'
                    then format('Batch finished with failures: %s of %s inputs failed, %s completed',
                        n.failed_tasks, n.total_tasks, n.completed_tasks)
                when n.status = 'paused' then 'Batch paused' || coalesce(': ' || n.status_reason, '')
                when n.status = 'cancelled' then 'Batch cancelled' || coalesce(': ' || n.status_reason, '')
                when o.status = 'paused' then 'Batch resumed'
                when o.status in ('completed', 'failed', 'cancelled') then 'Batch running again'
                else format('Batch started: %s input%s', n.total_tasks, case when n.total_tasks = 1 then '' else 's' end)
            end,
            case when n.total_tasks = 0 then 0
                else round(100.0 * (n.completed_tasks + n.failed_tasks) / n.total_tasks, 2) end
        from new_batches as n
        join old_batches as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__log_events() is
'Statement trigger: appends a task_events row for every batch created and every batch status change, with a message and the batch''s progress.';

drop trigger if exists task_batches_30_log_events_inserted on public.task_batches;
create trigger task_batches_30_log_events_inserted
after insert on public.task_batches
referencing new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

drop trigger if exists task_batches_30_log_events_updated on public.task_batches;
create trigger task_batches_30_log_events_updated
after update on public.task_batches
referencing old table as old_batches new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

-- functions/tasks/0525__begin_pause.sql
-- A pause begins: its batch_pauses row and its `pause` event on the timeline, in the
-- transaction that pauses. pause_batch and the budget pause of record_llm_call(s) call it.
create or replace function orchable._begin_pause(
    p_batch_id uuid,
    p_reason text,
    p_paused_by uuid,
    p_detail jsonb,
    p_message text,
    p_task_id uuid default null,
    p_interaction_id uuid default null
)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pause_id uuid;
begin
    insert into public.batch_pauses (owner_id, batch_id, task_id, interaction_id, reason, detail, paused_by)
    select b.owner_id, b.id, p_task_id, p_interaction_id, p_reason, coalesce(p_detail, '{}'), p_paused_by
    from public.task_batches as b
    where b.id = p_batch_id
    returning id into v_pause_id;
    perform orchable._log_event(
        p_batch_id, p_task_id, 'pause', 'paused',
        jsonb_build_object('pause_id', v_pause_id, 'reason', p_reason) || coalesce(p_detail, '{}'),
        p_message, 'business', 'warning'
    );
    return v_pause_id;
end
$$;

comment on function orchable._begin_pause(uuid, text, uuid, jsonb, text, uuid, uuid) is
'Records that a batch paused (batch_pauses, reason person, interaction, budget or error) and logs the pause on its timeline; returns the pause id.';

-- functions/tasks/0526__end_pauses.sql
-- The active pauses of a batch end, each with a `pause` event on the timeline: resumed
-- by a person (resume_batch), cancelled with the batch (cancel_batch). p_reasons narrows
-- them (resume_batch leaves a pause that waits for an interaction to its answer).
create or replace function orchable._end_pauses(
    p_batch_id uuid,
    p_status text,
    p_resume_trigger text,
    p_resumed_by uuid,
    p_reasons text[] default null
)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pause public.batch_pauses;
    v_ended integer := 0;
begin
    for v_pause in
        update public.batch_pauses as p
        set status = p_status, resumed_at = greatest(now(), p.paused_at), resumed_by = p_resumed_by,
            resume_trigger = p_resume_trigger, updated_at = now()
        where p.batch_id = p_batch_id and p.status = 'active' and (p_reasons is null or p.reason = any(p_reasons))
        returning p.*
    loop
        perform orchable._log_event(
            p_batch_id, v_pause.task_id, 'pause', p_status,
            jsonb_build_object('pause_id', v_pause.id, 'reason', v_pause.reason, 'resume_trigger', p_resume_trigger),
            case p_status
                when 'resumed' then format('%s pause ended: resumed by %s', initcap(v_pause.reason),
                    case p_resume_trigger when 'person' then 'a person' when 'answer' then 'an answer'
                        else p_resume_trigger end)
                when 'cancelled' then format('%s pause ended: the batch was cancelled', initcap(v_pause.reason))
                else format('%s pause ended: %s', initcap(v_pause.reason), p_status)
            end,
            'business', 'info'
        );
        v_ended := v_ended + 1;
    end loop;
    return v_ended;
end
$$;

comment on function orchable._end_pauses(uuid, text, text, uuid, text[]) is
'Ends the active pauses of a batch (of p_reasons, or all) with p_status and p_resume_trigger, and logs each on its timeline; returns how many ended.';

-- functions/tasks/0530_pause_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create or replace function orchable_rpc.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches
    set status = 'paused', status_reason = 'paused by its owner', updated_at = now()
    where id = p_batch_id and status in ('pending', 'processing')
    returning * into v_batch;
    if found then
        perform orchable._begin_pause(p_batch_id, 'person', (select auth.uid()), '{}', 'Paused by a person');
    else
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %; only a pending or processing batch can be paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'nothing is left to pause';
        end if;
    end if;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.pause_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.pause_batch(uuid) is
'The implementation of public.pause_batch, run with its owner''s rights; callable by the roles that may call public.pause_batch.';

comment on function public.pause_batch(uuid) is
'Pauses a batch: no task of it is claimed until resume_batch; tasks in flight still finish. The pause is recorded in batch_pauses (reason person, paused_by the caller) and on the timeline.';

revoke all on function orchable_rpc.pause_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.pause_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.pause_batch(uuid) to authenticated, service_role;
grant execute on function public.pause_batch(uuid) to authenticated, service_role;

-- functions/tasks/0540_resume_batch.sql
-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create or replace function orchable_rpc.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
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
    if found then
        -- A pause that waits for an interaction ends with its answer, not here.
        perform orchable._end_pauses(
            p_batch_id, 'resumed', 'person', (select auth.uid()), array['person', 'budget', 'error']
        );
    else
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

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.resume_batch(uuid) is
'The implementation of public.resume_batch, run with its owner''s rights; callable by the roles that may call public.resume_batch.';

comment on function public.resume_batch(uuid) is
'Resumes a paused batch: its runnable tasks can be claimed again. Its pauses by a person, a budget or an error end in batch_pauses (resumed, resume_trigger person, resumed_by the caller).';

revoke all on function orchable_rpc.resume_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_batch(uuid) to authenticated, service_role;
grant execute on function public.resume_batch(uuid) to authenticated, service_role;

-- functions/tasks/0550_cancel_batch.sql
-- SECURITY DEFINER: users cannot update batches or tasks directly; ownership is checked
-- here. Tasks are cancelled before the batch row is touched, the order workers lock in.
create or replace function orchable_rpc.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
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
    perform orchable._end_pauses(p_batch_id, 'cancelled', 'cancel', (select auth.uid()));
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cancel_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.cancel_batch(uuid) is
'The implementation of public.cancel_batch, run with its owner''s rights; callable by the roles that may call public.cancel_batch.';

comment on function public.cancel_batch(uuid) is
'Cancels a batch: its open tasks become cancelled and workers'' results for them are refused (OR006); its active pauses end as cancelled.';

revoke all on function orchable_rpc.cancel_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.cancel_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cancel_batch(uuid) to authenticated, service_role;
grant execute on function public.cancel_batch(uuid) to authenticated, service_role;

-- functions/calls/0810_record_llm_call.sql
-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create or replace function orchable_rpc.record_llm_call(
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
set search_path = pg_catalog, pg_temp
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
    v_batch public.task_batches;
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

    -- FOR KEY SHARE, as a foreign key's check would: llm_calls has none (see its table).
    select * into v_task from public.ai_tasks where id = p_task_id for key share;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
    select k.id into v_api_key_id
    from public.user_api_keys as k
    where k.id = p_api_key_id and k.owner_id = v_task.owner_id
    for key share;

    v_cost := orchable._llm_call_cost(
        (select m from public.ai_models as m where m.provider = p_provider and m.model = p_model),
        v_input, v_output, v_cached, v_thoughts
    );

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
        where b.id = v_task.batch_id
        returning b.* into v_batch;
        -- The update holds the batch row, so only one call records the pause it began: a
        -- batch paused over its budget with no active budget pause has just paused.
        if v_batch.status = 'paused' and v_batch.spent_usd >= v_budget and not exists (
            select from public.batch_pauses as p
            where p.batch_id = v_batch.id and p.status = 'active' and p.reason = 'budget'
        ) and v_batch.status_reason like 'budget of %' then
            perform orchable._begin_pause(
                v_batch.id, 'budget', null,
                jsonb_build_object('budget_usd', v_budget, 'spent_usd', trim_scale(v_batch.spent_usd)),
                format('Paused: budget of %s USD reached (%s USD spent)', v_budget, trim_scale(v_batch.spent_usd))
            );
        end if;
    end if;

    return v_call;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.record_llm_call(
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
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_call(
        p_task_id, p_provider, p_model, p_outcome, p_api_key_id, p_input_tokens, p_output_tokens,
        p_cached_tokens, p_thoughts_tokens, p_latency_ms, p_http_status, p_error, p_response_id
    );
end
$$;

comment on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'The implementation of public.record_llm_call, run with its owner''s rights; callable by the roles that may call public.record_llm_call.';

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself (a budget pause in batch_pauses). Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;
revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;

-- functions/calls/0830_record_llm_calls.sql
-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
-- llm_calls has no foreign keys (see its table): the calls' tasks and keys are locked FOR
-- KEY SHARE here instead, in id order, so a batch or key deleted meanwhile waits for this
-- transaction and its delete trigger then finds these calls.
create or replace function orchable_rpc.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- The calls and their tasks are joined from CTEs whose sizes the planner can only guess
-- (a few rows): it would join them in a nested loop, which compares every call with
-- every task, 65,536 comparisons for 256 calls. Hash joins take them in one pass.
set enable_nestloop = off
as $$
declare
    v_recorded integer;
    v_batch_ids uuid [];
    v_costs numeric [];
    v_malformed boolean := false;
    v_paused record;
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

    -- One statement records every call whose task exists and whose values pass
    -- record_llm_call's checks. Only when fewer calls went in than came, or an element is
    -- malformed, are the elements inspected one by one, to name the first that fails: that
    -- error undoes the insert, so nothing is recorded.
    begin
        with calls as materialized (
            select
                c.ordinality, c.task_id, c.provider, c.model, c.outcome, c.api_key_id,
                coalesce(c.input_tokens, 0) as input_tokens, coalesce(c.output_tokens, 0) as output_tokens,
                coalesce(c.cached_tokens, 0) as cached_tokens, coalesce(c.thoughts_tokens, 0) as thoughts_tokens,
                c.latency_ms, c.http_status, c.error, c.response_id
            from rows from (jsonb_to_recordset(p_calls) as (
                task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
                output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
                http_status integer, error text, response_id text
            )) with ordinality as c
        ),
        tasks as materialized (
            select t.id, t.owner_id, t.batch_id, t.retry_count
            from public.ai_tasks as t
            where t.id = any(array(select c.task_id from calls as c))
            order by t.id
            for key share
        ),
        keys as materialized (
            select k.id, k.owner_id
            from public.user_api_keys as k
            where k.id = any(array(select c.api_key_id from calls as c))
            order by k.id
            for key share
        ),
        inserted as (
            insert into public.llm_calls (
                owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
                input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
            )
            select
                t.owner_id, t.batch_id, c.task_id, k.id, c.provider, c.model, t.retry_count, c.outcome,
                c.http_status, c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens,
                c.latency_ms,
                orchable._llm_call_cost(m, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens),
                c.response_id
            from calls as c
            join tasks as t on t.id = c.task_id
            -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
            left join keys as k on k.id = c.api_key_id and k.owner_id = t.owner_id
            left join public.ai_models as m on m.provider = c.provider and m.model = c.model
            where c.outcome in (
                'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
                'invalid_output', 'invalid_key', 'invalid_request'
            )
                and btrim(c.provider) <> '' and btrim(c.model) <> ''
                and least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) >= 0
                and (c.latency_ms is null or c.latency_ms >= 0)
            order by c.ordinality
            returning batch_id, cost_usd
        )
        select count(*)::integer, array_agg(i.batch_id), array_agg(i.cost_usd)
        into v_recorded, v_batch_ids, v_costs
        from inserted as i;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_malformed := true;
    end;

    if v_malformed or v_recorded < jsonb_array_length(p_calls) then
        perform orchable._raise_llm_calls_error(p_calls);
    end if;

    -- The spend, and the budget (the rules of record_llm_call): the batches whose spend
    -- changes, or that have a budget, are locked in id order, then updated once each. A
    -- call that costs nothing in a batch without a budget leaves its batch alone: calls
    -- that cost nothing do not make one batch's completions wait for each other here.
    perform
    from public.task_batches as b
    join (
        select c.batch_id, sum(c.cost) as cost
        from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
        group by c.batch_id
    ) as s on s.batch_id = b.id
    where s.cost <> 0 or jsonb_typeof(b.config -> 'budget_usd') = 'number'
    order by b.id
    for no key update of b;

    -- A batch the update leaves paused over its budget, with no active budget pause, has
    -- just paused (its row stays locked to the commit): its pause is recorded once.
    for v_paused in
        with updated as (
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
            from (
                select c.batch_id, sum(c.cost) as cost,
                    case when jsonb_typeof(x.config -> 'budget_usd') = 'number'
                        then (x.config ->> 'budget_usd')::numeric end as budget
                from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
                join public.task_batches as x on x.id = c.batch_id
                group by c.batch_id, x.config
            ) as s
            where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null)
            returning b.id, b.status, b.status_reason, b.spent_usd, s.budget
        )
        select u.id, u.spent_usd, u.budget
        from updated as u
        where u.status = 'paused' and u.spent_usd >= u.budget and u.status_reason like 'budget of %'
            and not exists (
                select from public.batch_pauses as p
                where p.batch_id = u.id and p.status = 'active' and p.reason = 'budget'
            )
        order by u.id
    loop
        perform orchable._begin_pause(
            v_paused.id, 'budget', null,
            jsonb_build_object('budget_usd', v_paused.budget, 'spent_usd', trim_scale(v_paused.spent_usd)),
            format('Paused: budget of %s USD reached (%s USD spent)', v_paused.budget, trim_scale(v_paused.spent_usd))
        );
    end loop;

    return v_recorded;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_calls(p_calls);
end
$$;

comment on function orchable_rpc.record_llm_calls(jsonb) is
'The implementation of public.record_llm_calls, run with its owner''s rights; callable by the roles that may call public.record_llm_calls.';

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause (recorded in batch_pauses) as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_calls(jsonb) to orchable_worker, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;

-- functions/monitors/0990_tick.sql
-- tick() returns one more column (rows_deleted): dropped first.
drop function public.tick(timestamptz);
drop function orchable_rpc.tick(timestamptz);
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). All start in one pass; when one cannot start, the
-- pass is undone and made again with a savepoint per row, so that one fails alone (its
-- schedule moves on and the error is kept) and the others start. Then the open
-- interactions' due reminders, escalation steps and timeouts, each once. Then, at most once an
-- hour, retention (orchable._run_retention).
create or replace function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
begin
    begin
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, false);
    exception when others then
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, true);
    end;
    begin
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, false);
    exception when others then
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, true);
    end;
    interaction_steps := orchable._advance_interactions(v_now, v_limit);
    -- Retention, at most once an hour; a failure (a deadlock with a person's retry) never
    -- stops the scheduler, and the next tick tries again.
    begin
        rows_deleted := orchable._run_retention(v_now);
    exception when others then
        raise warning 'retention skipped: % (%)', sqlerrm, sqlstate;
        rows_deleted := 0;
    end;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.tick(p_now);
end
$$;

comment on function orchable_rpc.tick(timestamptz) is
'The implementation of public.tick, run with its owner''s rights; callable by the roles that may call public.tick.';

comment on function public.tick(timestamptz) is
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; then sends due interaction reminders, takes escalation steps and applies timeouts. Safe to call from many processes at once (each due run starts once, each step is taken once). At most once an hour it also deletes the events and LLM calls of finished batches older than the limits event_retention_days and llm_call_retention_days, and finished batches older than finished_batch_retention_days when set. Returns how many runs, launches and interaction steps it started, and how many rows retention deleted.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;

-- functions/timeline/1200__join_realtime_publication.sql
-- The tables a client watches join Supabase Realtime's publication (Postgres Changes),
-- where the database has one and the caller may change it: on Supabase the postgres role
-- owns supabase_realtime; elsewhere (no publication, or another owner) nothing is created
-- or changed, and a notice says why. Idempotent: a table already published is skipped,
-- and one that does not exist yet (human_interactions before its migration) too.
create or replace function orchable._join_realtime_publication()
returns text[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_publication pg_catalog.pg_publication;
    v_table text;
    v_added text [] := '{}';
begin
    select * into v_publication from pg_catalog.pg_publication where pubname = 'supabase_realtime';
    if not found or v_publication.puballtables then
        return v_added;
    end if;
    if not pg_catalog.pg_has_role(current_user, v_publication.pubowner, 'USAGE') then
        raise notice 'supabase_realtime belongs to %, not %: its tables were left as they are',
            v_publication.pubowner::regrole, current_user
            using hint = 'as its owner: select orchable._join_realtime_publication()';
        return v_added;
    end if;
    foreach v_table in array array['public.task_batches', 'public.ai_tasks', 'public.human_interactions'] loop
        if pg_catalog.to_regclass(v_table) is not null and not exists (
            select from pg_catalog.pg_publication_tables as p
            where p.pubname = 'supabase_realtime' and format('%I.%I', p.schemaname, p.tablename) = v_table
        ) then
            execute format('alter publication supabase_realtime add table %s', v_table);
            v_added := v_added || v_table;
        end if;
    end loop;
    return v_added;
end
$$;

comment on function orchable._join_realtime_publication() is
'Adds task_batches, ai_tasks and human_interactions to the supabase_realtime publication where it exists and the caller owns it; returns the tables it added.';

-- functions/timeline/1210__tg_task_events__notify.sql
-- Live updates everywhere: NOTIFY orchable_batch_events once per statement and batch,
-- with ids only ('<batch id>:<first event id>:<last event id>', under 80 bytes, far
-- below NOTIFY's 8000), so that a listener (orchable watch) reads the events it was told
-- of. A notification is delivered at commit; ids are handed out at insert, so events of
-- a transaction that commits later may have lower ids than ones already seen: a listener
-- reads from the first id of each notification, not from the last id it saw.
create or replace function orchable.tg_task_events__notify()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    perform pg_catalog.pg_notify('orchable_batch_events', e.batch_id || ':' || min(e.id) || ':' || max(e.id))
    from new_events as e
    group by e.batch_id;
    return null;
end
$$;

comment on function orchable.tg_task_events__notify() is
'Statement trigger: NOTIFY orchable_batch_events with <batch id>:<first event id>:<last event id> for each batch a statement logged events of.';

drop trigger if exists task_events_50_notify on public.task_events;
create trigger task_events_50_notify
after insert on public.task_events
referencing new table as new_events
for each statement
execute function orchable.tg_task_events__notify();

-- functions/timeline/1220__tg_task_events__broadcast.sql
-- Where the database has Supabase Realtime, a statement's events go out as one Broadcast
-- message per batch on the private topic orchable:batch:<batch id> (realtime.send, which
-- catches its own errors, so a broadcast never undoes the statement). Only ids, the
-- event, its status, message and progress travel, never an input or an output, and at
-- most the statement's last 20 events of the batch (event_count says how many there
-- were). The trigger exists only where realtime.send does (_wire_realtime_broadcast).
create or replace function orchable.tg_task_events__broadcast()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    perform realtime.send(
        jsonb_build_object(
            'batch_id', b.batch_id, 'event_count', b.event_count, 'progress', b.progress, 'events', b.events
        ),
        'timeline',
        'orchable:batch:' || b.batch_id,
        true
    )
    from (
        select r.batch_id, max(r.event_count) as event_count,
            (array_agg(r.progress order by r.id desc))[1] as progress,
            jsonb_agg(jsonb_build_object(
                'id', r.id, 'task_id', r.task_id, 'event', r.event, 'to_status', r.to_status,
                'level', r.level, 'message', r.message, 'progress', r.progress
            ) order by r.id) filter (where r.position <= 20) as events
        from (
            select e.batch_id, e.id, e.task_id, e.event, e.to_status, e.level, e.message, e.progress,
                row_number() over (partition by e.batch_id order by e.id desc) as position,
                count(*) over (partition by e.batch_id) as event_count
            from new_events as e
        ) as r
        group by r.batch_id
    ) as b;
    return null;
end
$$;

comment on function orchable.tg_task_events__broadcast() is
'Statement trigger (only where realtime.send exists): broadcasts the ids, status, message and progress of a statement''s events on the private topic orchable:batch:<batch id>.';

-- functions/timeline/1230__wire_realtime_broadcast.sql
-- Decided once, at deploy: where realtime.send exists, task_events gets the broadcast
-- trigger, and where realtime.messages exists, a policy lets a signed-in user receive the
-- private topics of their own batches. Elsewhere nothing is created, so a statement
-- costs nothing more. Idempotent.
create or replace function orchable._wire_realtime_broadcast()
returns text[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_wired text [] := '{}';
begin
    if pg_catalog.to_regprocedure('realtime.send(jsonb, text, text, boolean)') is not null
        and not exists (
            select from pg_catalog.pg_trigger
            where tgrelid = 'public.task_events'::regclass and tgname = 'task_events_60_broadcast'
        ) then
        execute 'create trigger task_events_60_broadcast after insert on public.task_events'
            ' referencing new table as new_events for each statement'
            ' execute function orchable.tg_task_events__broadcast()';
        v_wired := v_wired || 'task_events_60_broadcast'::text;
    end if;
    if pg_catalog.to_regclass('realtime.messages') is not null
        and pg_catalog.to_regprocedure('realtime.topic()') is not null
        and not exists (
            select from pg_catalog.pg_policies
            where schemaname = 'realtime' and tablename = 'messages'
                and policyname = 'Owners can receive their own batches'' timelines'
        ) then
        execute $policy$
            create policy "Owners can receive their own batches' timelines"
            on realtime.messages for select to authenticated
            using (
                realtime.messages.extension = 'broadcast'
                and exists (
                    select from public.task_batches as b
                    where b.owner_id = (select auth.uid())
                        and b.id = case
                            when (select realtime.topic()) ~ '^orchable:batch:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                then substr((select realtime.topic()), 16)::uuid
                        end
                )
            )
        $policy$;
        v_wired := v_wired || 'realtime.messages policy'::text;
    end if;
    return v_wired;
end
$$;

comment on function orchable._wire_realtime_broadcast() is
'Where Supabase Realtime exists: creates the task_events broadcast trigger and the realtime.messages policy for owners'' batch topics; returns what it created.';

-- functions/timeline/1240__delete_old_events.sql
-- The events of finished batches (completed, failed, cancelled) that finished before
-- p_before, those older than it, in chunks of retention_chunk_rows: each chunk a
-- statement that locks the rows it deletes (SKIP LOCKED: a concurrent cleanup takes
-- others) and shares the lock of their batch, so that a batch retried meanwhile is left
-- alone (it is no longer finished when its row is locked, or it waits for this). Stops at
-- retention_rows_per_call; the rest waits for the next call. Returns how many it deleted.
create or replace function orchable._delete_old_events(p_before timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_chunk bigint := orchable._limit('retention_chunk_rows');
    v_most bigint := orchable._limit('retention_rows_per_call');
    v_deleted bigint := 0;
    v_count bigint;
begin
    loop
        with doomed as (
            select e.batch_id, e.id
            from public.task_batches as b
            join public.task_events as e on e.batch_id = b.id
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
                and e.created_at < p_before
            limit least(v_chunk, v_most - v_deleted)
            for share of b skip locked
            for update of e skip locked
        )
        delete from public.task_events as e
        using doomed as d
        where e.batch_id = d.batch_id and e.id = d.id;
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when v_count < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._delete_old_events(timestamptz) is
'Deletes, in chunks, the events older than p_before of batches that finished before it; returns how many (at most retention_rows_per_call).';

-- functions/timeline/1245_cleanup_old_events.sql
-- SECURITY DEFINER: retention deletes every owner's old rows, which no API role may.
create or replace function orchable_rpc.cleanup_old_events(p_retention_days integer)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_retention_days is null or p_retention_days < 1 or p_retention_days > 36500 then
        raise exception 'p_retention_days must be a number of days from 1 to 36500'
            using errcode = 'OR048', detail = format('got %s', coalesce(p_retention_days::text, 'null')),
            hint = 'pass how many days of events to keep, e.g. 30';
    end if;
    return orchable._delete_old_events(now() - make_interval(days => p_retention_days));
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.cleanup_old_events(p_retention_days integer)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cleanup_old_events(p_retention_days);
end
$$;

comment on function orchable_rpc.cleanup_old_events(integer) is
'The implementation of public.cleanup_old_events, run with its owner''s rights; callable by the roles that may call public.cleanup_old_events.';

comment on function public.cleanup_old_events(integer) is
'Operators only (service_role, pg_cron). Deletes the events older than p_retention_days of batches that finished (completed, failed, cancelled) that long ago; never those of a pending, processing or paused batch. Deletes in chunks of retention_chunk_rows, each locking only the rows it deletes, and at most retention_rows_per_call rows per call: call it again until it returns 0. Returns how many it deleted. Errors: OR048 p_retention_days not from 1 to 36500.';

revoke all on function orchable_rpc.cleanup_old_events(integer) from public, anon, authenticated, service_role;
revoke all on function public.cleanup_old_events(integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cleanup_old_events(integer) to service_role;
grant execute on function public.cleanup_old_events(integer) to service_role;

-- functions/timeline/1250__delete_old_llm_calls.sql
-- The LLM calls of finished batches that finished before p_before, those recorded before
-- it, in chunks, as _delete_old_events deletes events. A batch's cost in
-- v_batch_progress is summed from its calls, so it reads 0 once they are gone; its
-- spent_usd stays.
create or replace function orchable._delete_old_llm_calls(p_before timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_chunk bigint := orchable._limit('retention_chunk_rows');
    v_most bigint := orchable._limit('retention_rows_per_call');
    v_deleted bigint := 0;
    v_count bigint;
begin
    loop
        with doomed as (
            select c.id
            from public.task_batches as b
            join public.llm_calls as c on c.batch_id = b.id
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
                and c.created_at < p_before
            limit least(v_chunk, v_most - v_deleted)
            for share of b skip locked
            for update of c skip locked
        )
        delete from public.llm_calls as c
        using doomed as d
        where c.id = d.id;
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when v_count < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._delete_old_llm_calls(timestamptz) is
'Deletes, in chunks, the LLM calls older than p_before of batches that finished before it; returns how many (at most retention_rows_per_call).';

-- functions/timeline/1255_cleanup_old_llm_calls.sql
-- SECURITY DEFINER: retention deletes every owner's old rows, which no API role may.
create or replace function orchable_rpc.cleanup_old_llm_calls(p_retention_days integer)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_retention_days is null or p_retention_days < 1 or p_retention_days > 36500 then
        raise exception 'p_retention_days must be a number of days from 1 to 36500'
            using errcode = 'OR048', detail = format('got %s', coalesce(p_retention_days::text, 'null')),
            hint = 'pass how many days of LLM calls to keep, e.g. 90';
    end if;
    return orchable._delete_old_llm_calls(now() - make_interval(days => p_retention_days));
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.cleanup_old_llm_calls(p_retention_days integer)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cleanup_old_llm_calls(p_retention_days);
end
$$;

comment on function orchable_rpc.cleanup_old_llm_calls(integer) is
'The implementation of public.cleanup_old_llm_calls, run with its owner''s rights; callable by the roles that may call public.cleanup_old_llm_calls.';

comment on function public.cleanup_old_llm_calls(integer) is
'Operators only (service_role, pg_cron). Deletes the LLM calls older than p_retention_days of batches that finished (completed, failed, cancelled) that long ago; never those of a pending, processing or paused batch. Deletes in chunks of retention_chunk_rows, each locking only the rows it deletes, and at most retention_rows_per_call rows per call: call it again until it returns 0. Returns how many it deleted. Errors: OR048 p_retention_days not from 1 to 36500.';

revoke all on function orchable_rpc.cleanup_old_llm_calls(integer) from public, anon, authenticated, service_role;
revoke all on function public.cleanup_old_llm_calls(integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cleanup_old_llm_calls(integer) to service_role;
grant execute on function public.cleanup_old_llm_calls(integer) to service_role;

-- functions/timeline/1260__purge_finished_batches.sql
-- The batches that finished (completed, failed, cancelled) before p_before, with their
-- tasks, events, calls, pauses and interactions, retention_chunk_batches at a time. Locks
-- in the order workers and delete_batch do, tasks before their batch, so that a person
-- retrying a task of one of them never deadlocks with this: the candidates are read
-- without a lock, their tasks locked, then the batches locked and checked again; a
-- batch retried meanwhile is no longer finished and is left with its tasks. Stops at
-- retention_rows_per_call batches. Returns how many batches it deleted.
create or replace function orchable._purge_finished_batches(p_before timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_chunk bigint := orchable._limit('retention_chunk_batches');
    v_most bigint := orchable._limit('retention_rows_per_call');
    v_deleted bigint := 0;
    v_count bigint;
    v_candidates uuid [];
    v_batch_ids uuid [];
begin
    loop
        select array_agg(b.id) into v_candidates
        from (
            select b.id
            from public.task_batches as b
            where b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
            order by b.finished_at
            limit least(v_chunk, v_most - v_deleted)
        ) as b;
        exit when v_candidates is null;

        perform from public.ai_tasks as t where t.batch_id = any(v_candidates) order by t.id for update;
        select array_agg(b.id) into v_batch_ids
        from (
            select b.id
            from public.task_batches as b
            where b.id = any(v_candidates)
                and b.status in ('completed', 'failed', 'cancelled') and b.finished_at < p_before
            order by b.id
            for update
        ) as b;
        exit when v_batch_ids is null;

        delete from public.ai_tasks where batch_id = any(v_batch_ids);
        delete from public.task_batches where id = any(v_batch_ids);
        get diagnostics v_count = row_count;
        v_deleted := v_deleted + v_count;
        exit when cardinality(v_candidates) < v_chunk or v_deleted >= v_most;
    end loop;
    return v_deleted;
end
$$;

comment on function orchable._purge_finished_batches(timestamptz) is
'Deletes, in chunks, the batches that finished before p_before with everything of theirs; returns how many batches (at most retention_rows_per_call).';

-- functions/timeline/1265_purge_finished_batches.sql
-- SECURITY DEFINER: retention deletes every owner's finished batches, which no API role may.
create or replace function orchable_rpc.purge_finished_batches(p_older_than interval)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_older_than is null or p_older_than <= interval '0' or p_older_than > interval '100 years' then
        raise exception 'p_older_than must be a positive interval of at most 100 years'
            using errcode = 'OR049', detail = format('got %s', coalesce(p_older_than::text, 'null')),
            hint = 'pass how long to keep a finished batch, e.g. interval ''90 days''';
    end if;
    return orchable._purge_finished_batches(now() - p_older_than);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.purge_finished_batches(p_older_than interval)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.purge_finished_batches(p_older_than);
end
$$;

comment on function orchable_rpc.purge_finished_batches(interval) is
'The implementation of public.purge_finished_batches, run with its owner''s rights; callable by the roles that may call public.purge_finished_batches.';

comment on function public.purge_finished_batches(interval) is
'Operators only (service_role, pg_cron). Deletes the batches that finished (completed, failed, cancelled) more than p_older_than ago, with their tasks, events, LLM calls, pauses and interactions; never a pending, processing or paused batch. Deletes retention_chunk_batches batches per statement and at most retention_rows_per_call per call: call it again until it returns 0. Returns how many batches it deleted. Errors: OR049 p_older_than not positive or over 100 years.';

revoke all on function orchable_rpc.purge_finished_batches(interval) from public, anon, authenticated, service_role;
revoke all on function public.purge_finished_batches(interval) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.purge_finished_batches(interval) to service_role;
grant execute on function public.purge_finished_batches(interval) to service_role;

-- functions/timeline/1270__run_retention.sql
-- Retention from tick(), at most once an hour: the events and LLM calls of finished
-- batches older than event_retention_days and llm_call_retention_days, and, when an
-- operator set finished_batch_retention_days, the finished batches older than that. One
-- process at a time (a transaction-level advisory lock; a tick that finds it taken skips
-- retention), each kind bounded by retention_rows_per_call. Returns the rows it deleted.
create or replace function orchable._run_retention(p_now timestamptz)
returns bigint
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_events bigint := 0;
    v_calls bigint := 0;
    v_batches bigint := 0;
    v_days bigint;
begin
    -- The key: 'orchable.retention' as a number (no other advisory lock is taken here).
    if not pg_catalog.pg_try_advisory_xact_lock(7012312100000001) then
        return 0;
    end if;
    if exists (
        select from orchable.retention_runs as r
        where r.name = 'tick' and r.last_run_at > p_now - interval '1 hour'
    ) then
        return 0;
    end if;
    v_days := orchable._limit('event_retention_days');
    if v_days is not null then
        v_events := orchable._delete_old_events(p_now - make_interval(days => v_days::integer));
    end if;
    v_days := orchable._limit('llm_call_retention_days');
    if v_days is not null then
        v_calls := orchable._delete_old_llm_calls(p_now - make_interval(days => v_days::integer));
    end if;
    v_days := orchable._limit('finished_batch_retention_days');
    if v_days is not null then
        v_batches := orchable._purge_finished_batches(p_now - make_interval(days => v_days::integer));
    end if;
    insert into orchable.retention_runs as r (name, last_run_at, events_deleted, llm_calls_deleted, batches_deleted)
    values ('tick', p_now, v_events, v_calls, v_batches)
    on conflict (name) do update
    set last_run_at = excluded.last_run_at, events_deleted = excluded.events_deleted,
        llm_calls_deleted = excluded.llm_calls_deleted, batches_deleted = excluded.batches_deleted;
    return v_events + v_calls + v_batches;
end
$$;

comment on function orchable._run_retention(timestamptz) is
'tick()''s retention, at most once an hour: old events and LLM calls of finished batches, and old finished batches when finished_batch_retention_days is set; returns the rows it deleted.';

-- functions/timeline/1280__tg_ai_tasks__pause_on_error.sql
-- A batch launched with config {"pause_on_error": true} pauses when one of its tasks
-- fails for good, so that a person looks before more is spent: the pause is recorded
-- (batch_pauses, reason error, with the task, its stage and its error) in the transaction
-- that failed the task, and resume_batch ends it. It runs after the counters
-- (ai_tasks_90_count_updated), so a failure that finishes the batch leaves it failed, not
-- paused. Most statements fail nothing: they return after one look at their new rows.
create or replace function orchable.tg_ai_tasks__pause_on_error()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_failed record;
begin
    if not exists (select from new_tasks as n where n.status = 'failed') then
        return null;
    end if;
    for v_failed in
        with failed as (
            select distinct on (n.batch_id) n.batch_id, n.id, n.stage_key, n.error_code, n.error_message
            from new_tasks as n
            join old_tasks as o on o.id = n.id
            where n.status = 'failed' and o.status <> 'failed'
            order by n.batch_id, n.id
        ),
        paused as (
            update public.task_batches as b
            set status = 'paused',
                status_reason = format('paused on an error: %s failed', f.stage_key)
                || coalesce(': ' || left(f.error_message, 200), ''),
                updated_at = now()
            from failed as f
            where b.id = f.batch_id and b.status in ('pending', 'processing')
                and b.config -> 'pause_on_error' = 'true'::jsonb
            returning b.id, f.id as task_id, f.stage_key, f.error_code, f.error_message
        )
        select * from paused order by id
    loop
        perform orchable._begin_pause(
            v_failed.id, 'error', null,
            jsonb_strip_nulls(jsonb_build_object(
                'task_id', v_failed.task_id, 'stage_key', v_failed.stage_key,
                'error_code', v_failed.error_code, 'error', left(v_failed.error_message, 200)
            )),
            format('Paused: %s failed', v_failed.stage_key) || coalesce(': ' || left(v_failed.error_message, 200), ''),
            v_failed.task_id
        );
    end loop;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__pause_on_error() is
'Statement trigger: pauses a pending or processing batch launched with config pause_on_error = true when a task of it fails for good, recording the pause (reason error).';

drop trigger if exists ai_tasks_95_pause_on_error on public.ai_tasks;
create trigger ai_tasks_95_pause_on_error
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__pause_on_error();

-- policies/tasks/0280_batch_pauses.sql
-- Written by orchable's functions only; owners read their own.
alter table public.batch_pauses enable row level security;
revoke all on table public.batch_pauses from anon, authenticated, service_role;
grant select on table public.batch_pauses to authenticated, service_role;

create policy "Owners can read their own batch pauses"
on public.batch_pauses for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/timeline/1200_realtime.sql
-- Live updates where the database has Supabase Realtime: the watched tables join its
-- publication, and task_events broadcasts on private per-batch topics that only the
-- batch's owner may receive. Where it has none, nothing is created (NOTIFY
-- orchable_batch_events, task_events_50_notify, works everywhere).
do $$
begin
    perform orchable._join_realtime_publication();
    perform orchable._wire_realtime_broadcast();
end
$$;

-- policies/timeline/1210_v_batch_timeline.sql
-- The view runs with the caller's rights (security_invoker), so task_events' RLS applies.
revoke all on table public.v_batch_timeline from anon, authenticated, service_role;
grant select on table public.v_batch_timeline to authenticated, service_role;

-- policies/timeline/1220_retention_runs.sql
-- Internal: only tick(), run as its owner, reads and writes it.
alter table orchable.retention_runs enable row level security;
revoke all on table orchable.retention_runs from public, anon, authenticated, service_role;

-- The pauses under way when this migration runs: each paused batch (by its owner, or by
-- its budget, as status_reason says) and each interaction still waiting for an answer.
insert into public.batch_pauses (owner_id, batch_id, reason, detail, paused_at, created_at, updated_at)
select b.owner_id, b.id,
    case when b.status_reason like 'budget of %' then 'budget' else 'person' end,
    jsonb_strip_nulls(jsonb_build_object('status_reason', b.status_reason)),
    b.updated_at, b.updated_at, b.updated_at
from public.task_batches as b
where b.status = 'paused';

insert into public.batch_pauses (
    owner_id, batch_id, task_id, interaction_id, reason, detail, paused_at, created_at, updated_at
)
select i.owner_id, i.batch_id, i.task_id, i.id, 'interaction',
    jsonb_build_object('interaction_type', i.interaction_type, 'timeout_at', i.timeout_at),
    i.created_at, i.created_at, i.created_at
from public.human_interactions as i
where i.status = 'pending';

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
