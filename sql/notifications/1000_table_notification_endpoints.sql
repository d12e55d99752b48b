create table public.notification_endpoints (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    kind text not null,
    name text not null,
    url text,
    email_address text,
    secret_encrypted text,
    secret_prefix text,
    is_active boolean not null default true,
    disabled_reason text,
    quiet_hours_start time,
    quiet_hours_end time,
    quiet_hours_timezone text not null default 'UTC',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    slack_channel text,
    signing_secret_encrypted text,
    constraint notification_endpoints_owner_id_name_key unique (owner_id, name),
    constraint notification_endpoints_kind_known check (kind in ('webhook', 'email', 'slack')),
    constraint notification_endpoints_webhook_has_url_and_secret check (
        (kind = 'webhook') = (url is not null and secret_encrypted is not null)
    ),
    constraint notification_endpoints_email_has_address check ((kind = 'email') = (email_address is not null)),
    constraint notification_endpoints_slack_has_channel_and_signing_secret check (
        (kind = 'slack') = (slack_channel is not null and signing_secret_encrypted is not null)
    ),
    constraint notification_endpoints_slack_has_bot_token check (kind <> 'slack' or secret_encrypted is not null),
    constraint notification_endpoints_slack_channel_shaped check (slack_channel ~ '^[^\s]{1,80}$'),
    constraint notification_endpoints_signing_secret_is_ciphertext check (
        signing_secret_encrypted ~ '^[0-9]+:[A-Za-z0-9+/]+={0,2}$'
    ),
    constraint notification_endpoints_url_is_http check (url ~ '^https?://[^\s]+$'),
    constraint notification_endpoints_email_address_shaped check (email_address ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    constraint notification_endpoints_secret_is_ciphertext check (secret_encrypted ~ '^[0-9]+:[A-Za-z0-9+/]+={0,2}$'),
    constraint notification_endpoints_quiet_hours_both_or_neither check (
        (quiet_hours_start is null) = (quiet_hours_end is null)
    ),
    constraint notification_endpoints_name_bounded check (length(btrim(name)) between 1 and 200)
);

create index notification_endpoints_owner_id_idx on public.notification_endpoints (owner_id);

comment on table public.notification_endpoints is
'Where an owner is told: a webhook (Standard Webhooks, signed with its own secret, kept encrypted), an email address or a Slack channel (a bot token and the app''s signing secret, kept encrypted); a notification goes to each active endpoint of the owner (an interaction''s, to those it asks).';
comment on column public.notification_endpoints.id is 'The endpoint''s id.';
comment on column public.notification_endpoints.owner_id is 'The user it belongs to.';
comment on column public.notification_endpoints.kind is 'webhook, email or slack.';
comment on column public.notification_endpoints.name is 'What the owner calls it, unique per owner.';
comment on column public.notification_endpoints.url is 'For webhook: where deliveries are POSTed.';
comment on column public.notification_endpoints.email_address is 'For email: the address deliveries are sent to.';
comment on column public.notification_endpoints.secret_encrypted is 'For webhook: its whsec_ signing secret; for slack: the bot token (xoxb-...); encrypted as API keys are; never readable by an API role.';
comment on column public.notification_endpoints.secret_prefix is 'The first characters of the secret, to tell secrets apart.';
comment on column public.notification_endpoints.is_active is 'Deliveries go only to active endpoints.';
comment on column public.notification_endpoints.disabled_reason is 'Why orchable switched it off (gone: a webhook answered 410).';
comment on column public.notification_endpoints.quiet_hours_start is 'Quiet hours: deliveries due between start and end (in quiet_hours_timezone) wait for the end; checks go on.';
comment on column public.notification_endpoints.quiet_hours_end is 'The end of the quiet hours (may be before the start: they then span midnight).';
comment on column public.notification_endpoints.quiet_hours_timezone is 'The IANA time zone the quiet hours are read in.';
comment on column public.notification_endpoints.created_at is 'When it was added.';
comment on column public.notification_endpoints.updated_at is 'When it last changed.';
comment on column public.notification_endpoints.slack_channel is 'For slack: the channel messages are posted to (an id such as C0123ABCD, or #name).';
comment on column public.notification_endpoints.signing_secret_encrypted is 'For slack: the Slack app''s signing secret, which verifies its interactivity requests (orchable serve); encrypted as API keys are; never readable by an API role.';
