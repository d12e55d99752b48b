create table public.monitors (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    schedule text not null,
    timezone text not null default 'UTC',
    search_query text not null,
    condition_description text not null,
    notify_behavior text not null default 'once',
    state text not null default 'active',
    condition_met boolean not null default false,
    last_known_state jsonb,
    last_notified_at timestamptz,
    next_run_at timestamptz,
    last_run_at timestamptz,
    config jsonb not null default '{}',
    muted boolean not null default false,
    snoozed_until timestamptz,
    consecutive_failures integer not null default 0,
    template_id uuid references public.monitor_templates (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint monitors_notify_behavior_known check (notify_behavior in ('once', 'always', 'track_state')),
    constraint monitors_state_known check (state in ('active', 'paused', 'completed')),
    constraint monitors_scheduled_while_active check ((state = 'active') = (next_run_at is not null)),
    constraint monitors_config_is_object check (jsonb_typeof(config) = 'object'),
    constraint monitors_consecutive_failures_not_negative check (consecutive_failures >= 0),
    constraint monitors_texts_bounded check (
        length(btrim(name)) between 1 and 200
        and length(btrim(search_query)) between 1 and 2000
        and length(btrim(condition_description)) between 1 and 2000
    )
);

-- tick(): the active monitors that are due, in due order.
create index monitors_due_idx on public.monitors (next_run_at) where state = 'active';
create index monitors_owner_id_created_at_idx on public.monitors (owner_id, created_at desc);
create index monitors_template_id_idx on public.monitors (template_id) where template_id is not null;

comment on table public.monitors is
'A scheduled web check (Torale''s tasks): on its cron schedule, in its time zone, a grounded search answers search_query, judges condition_description and compares with what it knew before; notify_behavior says when the owner is told.';
comment on column public.monitors.schedule is 'Five-field cron, or @daily and the other macros, evaluated in timezone (cron_next_run).';
comment on column public.monitors.timezone is 'The IANA time zone the schedule is read in, e.g. Europe/Berlin.';
comment on column public.monitors.notify_behavior is
'once: notify the first time the condition is met, then the monitor is completed; always: every run where it is met; track_state: whenever what is known changes.';
comment on column public.monitors.state is 'active (scheduled), paused (pause_monitor) or completed (a once monitor that notified).';
comment on column public.monitors.condition_met is 'Whether the last successful run found the condition met.';
comment on column public.monitors.last_known_state is 'The facts the last successful run found (its current_state), compared with the next run''s.';
comment on column public.monitors.last_notified_at is 'When a run last notified the owner.';
comment on column public.monitors.next_run_at is 'When tick() next starts a run; null unless active.';
comment on column public.monitors.last_run_at is 'When the last run was started.';
comment on column public.monitors.config is
'The executor''s settings: model, fallback_models, notify_ungrounded (false: an answer without grounding notifies no one), failure_alert_after (failed runs in a row before the owner is told, 3).';
comment on column public.monitors.muted is 'True: runs go on, nobody is notified.';
comment on column public.monitors.snoozed_until is 'Until then runs go on and nobody is notified.';
comment on column public.monitors.consecutive_failures is 'Runs failed in a row since the last successful one.';
comment on column public.monitors.id is 'The monitor''s id.';
comment on column public.monitors.owner_id is 'The user it belongs to.';
comment on column public.monitors.name is 'What the owner calls it.';
comment on column public.monitors.search_query is 'What each run searches the web for, e.g. "When will the next iPhone be released?".';
comment on column public.monitors.condition_description is 'When the owner wants to know, e.g. "A release date has been announced".';
comment on column public.monitors.template_id is 'The template it was made from, if any.';
comment on column public.monitors.created_at is 'When it was made.';
comment on column public.monitors.updated_at is 'When it last changed.';
