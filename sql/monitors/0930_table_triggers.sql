create table public.triggers (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    name text not null,
    kind text not null,
    schedule text,
    timezone text not null default 'UTC',
    inputs jsonb not null default '[{}]',
    config jsonb not null default '{}',
    state text not null default 'active',
    next_run_at timestamptz,
    last_run_at timestamptz,
    last_batch_id uuid references public.task_batches (id) on delete set null,
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    access_key_id uuid references public.access_keys (id) on delete set null,
    constraint triggers_owner_id_name_key unique (owner_id, name),
    constraint triggers_kind_known check (kind in ('cron', 'webhook', 'manual')),
    constraint triggers_cron_has_schedule check ((kind = 'cron') = (schedule is not null)),
    constraint triggers_state_known check (state in ('active', 'paused')),
    constraint triggers_scheduled_while_active_cron check (
        (kind = 'cron' and state = 'active') = (next_run_at is not null)
    ),
    constraint triggers_inputs_non_empty_array check (
        jsonb_typeof(inputs) = 'array' and jsonb_array_length(inputs) > 0
    ),
    constraint triggers_config_is_object check (jsonb_typeof(config) = 'object'),
    constraint triggers_only_webhooks_have_a_key check (kind = 'webhook' or access_key_id is null)
);

-- tick(): the active cron triggers that are due, in due order.
create index triggers_due_idx on public.triggers (next_run_at) where state = 'active' and kind = 'cron';
create index triggers_orchestrator_id_idx on public.triggers (orchestrator_id);
-- trigger_webhook: the one trigger an access key launches.
create unique index triggers_access_key_id_key on public.triggers (access_key_id) where access_key_id is not null;
create index triggers_last_batch_id_idx on public.triggers (last_batch_id) where last_batch_id is not null;

comment on table public.triggers is
'What launches a pipeline besides a person (the 24/7 seed''s trigger_index): cron (on a schedule, in a time zone, started by tick()), webhook (when trigger_webhook is called with its access key) or manual; each launch is launch_batch with the trigger''s inputs and config.';
comment on column public.triggers.kind is 'cron, webhook or manual.';
comment on column public.triggers.schedule is 'For cron: five-field cron or a macro, read in timezone (cron_next_run).';
comment on column public.triggers.inputs is 'The inputs each launch gets (a JSON array, as launch_batch takes).';
comment on column public.triggers.config is 'The config each launch gets (as launch_batch takes).';
comment on column public.triggers.next_run_at is 'For an active cron trigger: when tick() next launches it.';
comment on column public.triggers.last_batch_id is 'The batch its last launch made.';
comment on column public.triggers.access_key_id is 'For webhook: the access key trigger_webhook must be called with (null once revoked or deleted: the trigger is then unreachable).';
comment on column public.triggers.last_error is 'Why its last launch failed (null when it launched).';
comment on column public.triggers.id is 'The trigger''s id.';
comment on column public.triggers.owner_id is 'The user it belongs to (the pipeline''s owner).';
comment on column public.triggers.orchestrator_id is 'The pipeline it launches.';
comment on column public.triggers.name is 'What the owner calls it, unique per owner.';
comment on column public.triggers.timezone is 'The IANA time zone its schedule is read in.';
comment on column public.triggers.state is 'active or paused.';
comment on column public.triggers.last_run_at is 'When it last launched (or tried to).';
comment on column public.triggers.created_at is 'When it was added.';
comment on column public.triggers.updated_at is 'When it last changed.';
