create table public.notifications (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    kind text not null,
    subject text not null,
    payload jsonb not null,
    monitor_id uuid references public.monitors (id) on delete set null,
    monitor_execution_id uuid references public.monitor_executions (id) on delete set null,
    created_at timestamptz not null default now(),
    interaction_id uuid,
    constraint notifications_kind_known check (kind in (
        'monitor.triggered', 'monitor.failing', 'endpoint.test',
        'interaction.requested', 'interaction.reminder', 'interaction.escalated'
    )),
    constraint notifications_interaction_kind_has_interaction_id check (
        (kind like 'interaction.%') = (interaction_id is not null)
    ),
    constraint notifications_payload_is_object check (jsonb_typeof(payload) = 'object')
);

create index notifications_owner_id_created_at_idx on public.notifications (owner_id, created_at desc);
create index notifications_monitor_id_idx on public.notifications (monitor_id) where monitor_id is not null;
create index notifications_monitor_execution_id_idx on public.notifications (monitor_execution_id)
where monitor_execution_id is not null;
create index notifications_interaction_id_idx on public.notifications (interaction_id) where interaction_id is not null;

comment on table public.notifications is
'What an owner is told (the outbox): written in the transaction that decided it, delivered to each of their active endpoints (notification_deliveries).';
comment on column public.notifications.id is 'The event''s id.';
comment on column public.notifications.owner_id is 'Who is told.';
comment on column public.notifications.kind is 'monitor.triggered (a run decided to notify), monitor.failing (failed runs in a row), endpoint.test (send_test_notification), or interaction.requested, interaction.reminder, interaction.escalated (a person is asked, reminded, or asked further).';
comment on column public.notifications.subject is 'One line for a person: an email''s subject.';
comment on column public.notifications.payload is 'The event''s data, the data of the webhook body.';
comment on column public.notifications.monitor_id is 'The monitor it is about.';
comment on column public.notifications.monitor_execution_id is 'The run that decided it.';
comment on column public.notifications.created_at is 'When it was decided.';
comment on column public.notifications.interaction_id is 'For the interaction kinds: the human interaction it asks about (no foreign key: the notification stays with its owner when the interaction is purged).';
