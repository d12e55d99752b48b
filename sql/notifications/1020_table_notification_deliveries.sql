create table public.notification_deliveries (
    id uuid primary key default gen_random_uuid(),
    notification_id uuid not null references public.notifications (id) on delete cascade,
    endpoint_id uuid not null references public.notification_endpoints (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    claim_token uuid,
    locked_by text,
    locked_until timestamptz,
    last_status_code integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    external_id text,
    constraint notification_deliveries_notification_id_endpoint_id_key unique (notification_id, endpoint_id),
    constraint notification_deliveries_status_known check (
        status in ('pending', 'delivering', 'delivered', 'dead')
    ),
    constraint notification_deliveries_delivering_has_lease check (
        (status = 'delivering') = (claim_token is not null and locked_until is not null)
    ),
    constraint notification_deliveries_delivered_has_delivered_at check (
        (status = 'delivered') = (delivered_at is not null)
    ),
    constraint notification_deliveries_attempts_not_negative check (attempts >= 0)
);

-- The worker's claim: due deliveries (and expired leases) in due order.
create index notification_deliveries_due_idx on public.notification_deliveries (
    (case when status = 'delivering' then locked_until else next_attempt_at end)
) where status in ('pending', 'delivering');
create index notification_deliveries_endpoint_id_idx on public.notification_deliveries (endpoint_id);
-- A reply in a Slack message's thread names the message it answers (channel and ts).
create index notification_deliveries_endpoint_id_external_id_idx
on public.notification_deliveries (endpoint_id, external_id)
where external_id is not null;
create index notification_deliveries_owner_id_created_at_idx
on public.notification_deliveries (owner_id, created_at desc);

comment on table public.notification_deliveries is
'One notification to one endpoint: claimed by workers (SKIP LOCKED), tried on the Standard Webhooks schedule until delivered or dead; its id is the webhook-id and the email Message-ID, the same on every try, so receivers drop duplicates by it.';
comment on column public.notification_deliveries.id is 'The delivery''s id: webhook-id and Message-ID.';
comment on column public.notification_deliveries.notification_id is 'What is delivered.';
comment on column public.notification_deliveries.endpoint_id is 'Where.';
comment on column public.notification_deliveries.owner_id is 'Whose it is.';
comment on column public.notification_deliveries.status is 'pending, delivering (claimed), delivered or dead (out of tries, or its endpoint is gone); redeliver_notification revives a dead one.';
comment on column public.notification_deliveries.attempts is 'Tries made.';
comment on column public.notification_deliveries.next_attempt_at is 'When it is next tried (after quiet hours, backoff or a Retry-After).';
comment on column public.notification_deliveries.claim_token is 'The claim of the worker delivering it.';
comment on column public.notification_deliveries.locked_by is 'The worker delivering it.';
comment on column public.notification_deliveries.locked_until is 'When the claim lapses and another worker may try.';
comment on column public.notification_deliveries.last_status_code is 'The HTTP status (webhook) or SMTP code (email) of the last try.';
comment on column public.notification_deliveries.last_error is 'Why the last try failed.';
comment on column public.notification_deliveries.delivered_at is 'When it was delivered.';
comment on column public.notification_deliveries.created_at is 'When it was queued.';
comment on column public.notification_deliveries.updated_at is 'When it last changed.';
comment on column public.notification_deliveries.external_id is 'What the receiver calls what it was sent, as the worker reported it: a Slack message''s <channel>:<ts>, which replies in its thread name.';
