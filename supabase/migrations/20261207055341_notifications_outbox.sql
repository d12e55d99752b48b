-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/notifications/1000_table_notification_endpoints.sql
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
    constraint notification_endpoints_owner_id_name_key unique (owner_id, name),
    constraint notification_endpoints_kind_known check (kind in ('webhook', 'email')),
    constraint notification_endpoints_webhook_has_url_and_secret check (
        (kind = 'webhook') = (url is not null and secret_encrypted is not null)
    ),
    constraint notification_endpoints_email_has_address check ((kind = 'email') = (email_address is not null)),
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
'Where an owner is told: a webhook (Standard Webhooks, signed with its own secret, kept encrypted) or an email address; every notification of the owner goes to each active endpoint.';
comment on column public.notification_endpoints.id is 'The endpoint''s id.';
comment on column public.notification_endpoints.owner_id is 'The user it belongs to.';
comment on column public.notification_endpoints.kind is 'webhook or email.';
comment on column public.notification_endpoints.name is 'What the owner calls it, unique per owner.';
comment on column public.notification_endpoints.url is 'For webhook: where deliveries are POSTed.';
comment on column public.notification_endpoints.email_address is 'For email: the address deliveries are sent to.';
comment on column public.notification_endpoints.secret_encrypted is 'For webhook: its whsec_ signing secret, encrypted as API keys are; never readable by an API role.';
comment on column public.notification_endpoints.secret_prefix is 'The first characters of the secret, to tell secrets apart.';
comment on column public.notification_endpoints.is_active is 'Deliveries go only to active endpoints.';
comment on column public.notification_endpoints.disabled_reason is 'Why orchable switched it off (gone: a webhook answered 410).';
comment on column public.notification_endpoints.quiet_hours_start is 'Quiet hours: deliveries due between start and end (in quiet_hours_timezone) wait for the end; checks go on.';
comment on column public.notification_endpoints.quiet_hours_end is 'The end of the quiet hours (may be before the start: they then span midnight).';
comment on column public.notification_endpoints.quiet_hours_timezone is 'The IANA time zone the quiet hours are read in.';
comment on column public.notification_endpoints.created_at is 'When it was added.';
comment on column public.notification_endpoints.updated_at is 'When it last changed.';

-- sql/notifications/1010_table_notifications.sql
create table public.notifications (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    kind text not null,
    subject text not null,
    payload jsonb not null,
    monitor_id uuid references public.monitors (id) on delete set null,
    monitor_execution_id uuid references public.monitor_executions (id) on delete set null,
    created_at timestamptz not null default now(),
    constraint notifications_kind_known check (kind in ('monitor.triggered', 'monitor.failing', 'endpoint.test')),
    constraint notifications_payload_is_object check (jsonb_typeof(payload) = 'object')
);

create index notifications_owner_id_created_at_idx on public.notifications (owner_id, created_at desc);
create index notifications_monitor_id_idx on public.notifications (monitor_id) where monitor_id is not null;
create index notifications_monitor_execution_id_idx on public.notifications (monitor_execution_id)
where monitor_execution_id is not null;

comment on table public.notifications is
'What an owner is told (the outbox): written in the transaction that decided it, delivered to each of their active endpoints (notification_deliveries).';
comment on column public.notifications.id is 'The event''s id.';
comment on column public.notifications.owner_id is 'Who is told.';
comment on column public.notifications.kind is 'monitor.triggered (a run decided to notify), monitor.failing (failed runs in a row) or endpoint.test (send_test_notification).';
comment on column public.notifications.subject is 'One line for a person: an email''s subject.';
comment on column public.notifications.payload is 'The event''s data, the data of the webhook body.';
comment on column public.notifications.monitor_id is 'The monitor it is about.';
comment on column public.notifications.monitor_execution_id is 'The run that decided it.';
comment on column public.notifications.created_at is 'When it was decided.';

-- sql/notifications/1020_table_notification_deliveries.sql
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

-- functions/notifications/1000__quiet_until.sql
-- When a delivery due at p_at may go to p_endpoint: p_at, or the end of the endpoint's
-- quiet hours when p_at falls in them (read in their time zone; a window whose end is
-- before its start spans midnight).
create or replace function orchable._quiet_until(p_endpoint public.notification_endpoints, p_at timestamptz)
returns timestamptz
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_local timestamp := p_at at time zone p_endpoint.quiet_hours_timezone;
    v_time time := v_local::time;
    v_start time := p_endpoint.quiet_hours_start;
    v_stop time := p_endpoint.quiet_hours_end;
    v_end timestamptz;
begin
    if v_start is null
        or (v_start <= v_stop and not (v_time >= v_start and v_time < v_stop))
        or (v_start > v_stop and not (v_time >= v_start or v_time < v_stop)) then
        return p_at;
    end if;
    v_end := (v_local::date + p_endpoint.quiet_hours_end) at time zone p_endpoint.quiet_hours_timezone;
    if v_end <= p_at then
        v_end := (v_local::date + 1 + p_endpoint.quiet_hours_end) at time zone p_endpoint.quiet_hours_timezone;
    end if;
    return v_end;
end
$$;

comment on function orchable._quiet_until(public.notification_endpoints, timestamptz) is
'p_at, or the end of the endpoint''s quiet hours when p_at falls in them.';

-- functions/notifications/1010__notify.sql
-- Tells an owner: the notification, and one delivery to each of their active endpoints,
-- written in the caller's transaction (the one that decided it), so a decision and its
-- deliveries are kept or lost together. A delivery due in an endpoint's quiet hours waits
-- for their end.
create or replace function orchable._notify(
    p_owner_id uuid,
    p_kind text,
    p_subject text,
    p_payload jsonb,
    p_monitor_id uuid,
    p_monitor_execution_id uuid
)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := orchable.time_ordered_uuid();
begin
    insert into public.notifications (id, owner_id, kind, subject, payload, monitor_id, monitor_execution_id)
    values (v_id, p_owner_id, p_kind, left(p_subject, 300), p_payload, p_monitor_id, p_monitor_execution_id);
    insert into public.notification_deliveries (id, notification_id, endpoint_id, owner_id, next_attempt_at)
    select orchable.time_ordered_uuid(), v_id, e.id, p_owner_id, orchable._quiet_until(e, now())
    from public.notification_endpoints as e
    where e.owner_id = p_owner_id and e.is_active;
    return v_id;
end
$$;

comment on function orchable._notify(uuid, text, text, jsonb, uuid, uuid) is
'Writes a notification for p_owner_id and one delivery to each of their active endpoints (after quiet hours); returns its id.';

-- functions/notifications/1020_add_notification_endpoint.sql
-- SECURITY DEFINER: users may not write endpoints' secrets, nor read the key-encryption
-- keys; a webhook's secret is made here (or taken from the caller), kept encrypted and
-- shown once.
create or replace function orchable_rpc.add_notification_endpoint(
    p_kind text,
    p_name text,
    p_url text default null,
    p_email_address text default null,
    p_secret text default null,
    p_quiet_hours_start time default null,
    p_quiet_hours_end time default null,
    p_quiet_hours_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns table (id uuid, secret text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := orchable._owner_for(p_owner_id, 'add_notification_endpoint');
    v_problem text;
begin
    secret := case when p_kind = 'webhook' then coalesce(
        p_secret, 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64')
    ) end;
    v_problem := case
        when p_kind is null or p_kind not in ('webhook', 'email') then 'p_kind must be webhook or email'
        when coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then 'p_name must be 1 to 200 characters'
        when p_kind = 'webhook' and (p_url is null or p_url !~ '^https?://[^\s]+$' or length(p_url) > 2000) then
            'a webhook needs p_url, an http(s) URL'
        when p_kind = 'webhook' and p_email_address is not null then 'a webhook takes no p_email_address'
        when p_kind = 'webhook' and (secret !~ '^whsec_[A-Za-z0-9+/]+={0,2}$'
            or length(decode(substr(secret, 7), 'base64')) not between 24 and 64) then
            'p_secret must be whsec_ and the base64 of 24 to 64 random bytes (or left out: one is made)'
        when p_kind = 'email' and (p_email_address is null or p_email_address !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$') then
            'an email endpoint needs p_email_address, an address'
        when p_kind = 'email' and (p_url is not null or p_secret is not null) then
            'an email endpoint takes no p_url and no p_secret'
        when (p_quiet_hours_start is null) <> (p_quiet_hours_end is null) then
            'quiet hours need both p_quiet_hours_start and p_quiet_hours_end'
        when exists (select from public.notification_endpoints as e where e.owner_id = v_owner_id and e.name = btrim(p_name)) then
            format('an endpoint named %s exists', quote_literal(btrim(p_name)))
    end;
    if v_problem is not null then
        raise exception 'invalid notification endpoint: %', v_problem
            using errcode = 'OR003',
            hint = 'add_notification_endpoint(''webhook'', name, p_url => ...) or (''email'', name, p_email_address => ...)';
    end if;
    if p_quiet_hours_start is not null then
        perform orchable._check_schedule('@daily', p_quiet_hours_timezone);
    end if;
    id := gen_random_uuid();
    insert into public.notification_endpoints (
        id, owner_id, kind, name, url, email_address, secret_encrypted, secret_prefix,
        quiet_hours_start, quiet_hours_end, quiet_hours_timezone
    )
    values (
        id, v_owner_id, p_kind, btrim(p_name), p_url, p_email_address,
        case when secret is not null then orchable._encrypt_api_key(secret) end, left(secret, 12),
        p_quiet_hours_start, p_quiet_hours_end, coalesce(p_quiet_hours_timezone, 'UTC')
    );
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.add_notification_endpoint(
    p_kind text,
    p_name text,
    p_url text default null,
    p_email_address text default null,
    p_secret text default null,
    p_quiet_hours_start time default null,
    p_quiet_hours_end time default null,
    p_quiet_hours_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns table (id uuid, secret text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.add_notification_endpoint(
        p_kind, p_name, p_url, p_email_address, p_secret, p_quiet_hours_start, p_quiet_hours_end,
        p_quiet_hours_timezone, p_owner_id
    );
end
$$;

comment on function orchable_rpc.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid) is
'The implementation of public.add_notification_endpoint, run with its owner''s rights; callable by the roles that may call public.add_notification_endpoint.';

comment on function public.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid) is
'Adds where the signed-in user (service_role: p_owner_id) is told: a webhook at p_url, signed as Standard Webhooks signs (p_secret, whsec_..., or one is made), or an email to p_email_address; optional quiet hours defer deliveries (never checks). Returns the id and, for a webhook, its secret: the only time it is shown. Bad arguments raise OR003, a bad quiet-hours zone OR031.';

revoke all on function orchable_rpc.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid)
to authenticated, service_role;
grant execute on function public.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid)
to authenticated, service_role;

-- functions/notifications/1030_claim_notification_deliveries.sql
-- SECURITY DEFINER: the worker role has no table privileges, and an endpoint's signing
-- secret is decrypted only here, for the worker that delivers. Due deliveries (and those
-- whose worker's lease lapsed) of active endpoints, in due order, skipping rows other
-- workers hold; each claim counts as a try. A delivery whose tries are spent while its
-- leases keep lapsing is dead instead.
create or replace function orchable_rpc.claim_notification_deliveries(
    p_worker_id text,
    p_limit integer default 10,
    p_lease_seconds integer default 60
)
returns table (
    delivery_id uuid,
    claim_token uuid,
    attempt integer,
    endpoint_kind text,
    url text,
    email_address text,
    secret text,
    notification_id uuid,
    notification_kind text,
    subject text,
    payload jsonb,
    created_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_max_attempts constant integer := 10;
begin
    if p_worker_id is null or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_notification_deliveries needs a worker id, a limit of 1 to 1000 and a lease of 1 to 86400 s'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s, p_limit=%s, p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds);
    end if;
    update public.notification_deliveries as d
    set status = 'dead', last_error = 'every try''s lease lapsed', claim_token = null, locked_by = null,
        locked_until = null, updated_at = now()
    where d.status = 'delivering' and d.locked_until <= now() and d.attempts >= v_max_attempts;

    return query
    with due as (
        select d.id
        from public.notification_deliveries as d
        join public.notification_endpoints as e on e.id = d.endpoint_id
        where d.status in ('pending', 'delivering')
            and (case when d.status = 'delivering' then d.locked_until else d.next_attempt_at end) <= now()
            and e.is_active
        order by (case when d.status = 'delivering' then d.locked_until else d.next_attempt_at end)
        limit p_limit
        for update of d skip locked
    ),
    claimed as (
        update public.notification_deliveries as d
        set
            status = 'delivering',
            claim_token = gen_random_uuid(),
            locked_by = p_worker_id,
            locked_until = now() + make_interval(secs => p_lease_seconds),
            attempts = d.attempts + 1,
            updated_at = now()
        from due
        where d.id = due.id
        returning d.*
    )
    select
        c.id, c.claim_token, c.attempts, e.kind, e.url, e.email_address,
        case when e.secret_encrypted is not null then orchable._decrypt_api_key(e.secret_encrypted) end,
        n.id, n.kind, n.subject, n.payload, n.created_at
    from claimed as c
    join public.notification_endpoints as e on e.id = c.endpoint_id
    join public.notifications as n on n.id = c.notification_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.claim_notification_deliveries(
    p_worker_id text,
    p_limit integer default 10,
    p_lease_seconds integer default 60
)
returns table (
    delivery_id uuid,
    claim_token uuid,
    attempt integer,
    endpoint_kind text,
    url text,
    email_address text,
    secret text,
    notification_id uuid,
    notification_kind text,
    subject text,
    payload jsonb,
    created_at timestamptz
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.claim_notification_deliveries(p_worker_id, p_limit, p_lease_seconds);
end
$$;

comment on function orchable_rpc.claim_notification_deliveries(text, integer, integer) is
'The implementation of public.claim_notification_deliveries, run with its owner''s rights; callable by the roles that may call public.claim_notification_deliveries.';

comment on function public.claim_notification_deliveries(text, integer, integer) is
'Worker only. Claims up to p_limit due deliveries of active endpoints (FOR UPDATE SKIP LOCKED) with a lease and a claim token each, counting a try; returns where to deliver (a webhook''s URL and signing secret, or an email address) and what (the notification). Settle each with report_notification_delivery.';

revoke all on function orchable_rpc.claim_notification_deliveries(text, integer, integer)
from public, anon, authenticated, service_role;
revoke all on function public.claim_notification_deliveries(text, integer, integer)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_notification_deliveries(text, integer, integer)
to orchable_worker, service_role;
grant execute on function public.claim_notification_deliveries(text, integer, integer)
to orchable_worker, service_role;

-- functions/notifications/1040_report_notification_delivery.sql
-- SECURITY DEFINER: the worker role has no table privileges. The worker says what the
-- receiver answered; the database decides what follows. After a failed try the next waits
-- on Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after
-- the first at once), with 10% of jitter, longer when the receiver asked (Retry-After), and
-- past the endpoint's quiet hours; after the tenth the delivery is dead. A 410 (gone)
-- switches the endpoint off and the delivery is dead.
create or replace function orchable_rpc.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_schedule constant interval [] := array[
        interval '5 seconds', interval '5 minutes', interval '30 minutes', interval '2 hours',
        interval '5 hours', interval '10 hours', interval '14 hours', interval '20 hours', interval '24 hours'
    ];
    v_delivery public.notification_deliveries;
    v_endpoint public.notification_endpoints;
    v_wait interval;
    v_status text;
begin
    if p_outcome is null or p_outcome not in ('delivered', 'failed', 'gone') then
        raise exception 'unknown delivery outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR010', hint = 'report delivered, failed or gone (HTTP 410)';
    end if;
    select * into v_delivery from public.notification_deliveries as d
    where d.id = p_delivery_id and d.claim_token = p_claim_token and d.status = 'delivering'
    for update;
    if not found then
        raise exception 'delivery % is not claimed with this token', p_delivery_id
            using errcode = 'OR006', hint = 'its lease lapsed and another worker claimed it; nothing changed';
    end if;
    select * into v_endpoint from public.notification_endpoints as e where e.id = v_delivery.endpoint_id;

    if p_outcome = 'delivered' then
        v_status := 'delivered';
    elsif p_outcome = 'gone' or v_delivery.attempts > cardinality(v_schedule) then
        v_status := 'dead';
    else
        v_status := 'pending';
        v_wait := greatest(
            v_schedule[v_delivery.attempts] * (0.9 + 0.2 * random()),
            make_interval(secs => least(coalesce(p_retry_after_seconds, 0), 86400))
        );
    end if;
    if p_outcome = 'gone' then
        update public.notification_endpoints
        set is_active = false, disabled_reason = 'gone: the receiver answered 410', updated_at = now()
        where id = v_endpoint.id;
    end if;

    update public.notification_deliveries
    set
        status = v_status,
        next_attempt_at = case when v_wait is not null then orchable._quiet_until(v_endpoint, now() + v_wait) else next_attempt_at end,
        delivered_at = case when v_status = 'delivered' then now() end,
        last_status_code = p_status_code,
        last_error = case when v_status <> 'delivered' then left(coalesce(p_error, p_outcome), 2000) end,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_delivery_id;
    return v_status;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_notification_delivery(
        p_delivery_id, p_claim_token, p_outcome, p_status_code, p_error, p_retry_after_seconds
    );
end
$$;

comment on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer) is
'The implementation of public.report_notification_delivery, run with its owner''s rights; callable by the roles that may call public.report_notification_delivery.';

comment on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer) is
'Worker only. Settles a claimed delivery: delivered; failed (tried again on Standard Webhooks'' schedule with jitter, no sooner than p_retry_after_seconds, after quiet hours; dead after the tenth try); or gone (HTTP 410: the endpoint is switched off, the delivery dead). Returns its new status; a stale claim token raises OR006, an unknown outcome OR010.';

revoke all on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer)
from public, anon, authenticated, service_role;
revoke all on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer)
to orchable_worker, service_role;
grant execute on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer)
to orchable_worker, service_role;

-- functions/notifications/1050_redeliver_notification.sql
-- SECURITY DEFINER: deliveries change through RPCs only.
create or replace function orchable_rpc.redeliver_notification(p_delivery_id uuid)
returns public.notification_deliveries
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_delivery public.notification_deliveries;
begin
    select * into v_delivery from public.notification_deliveries as d where d.id = p_delivery_id for update;
    if not found or not orchable._caller_owns(v_delivery.owner_id) then
        raise exception 'delivery % not found', p_delivery_id
            using errcode = 'OR037', hint = 'list your deliveries with select * from notification_deliveries';
    end if;
    if v_delivery.status <> 'dead' then
        raise exception 'delivery % is %, not dead', p_delivery_id, v_delivery.status
            using errcode = 'OR007', hint = 'only a dead delivery is redelivered; a pending one is tried on its own';
    end if;
    if not (select e.is_active from public.notification_endpoints as e where e.id = v_delivery.endpoint_id) then
        raise exception 'the endpoint of delivery % is switched off', p_delivery_id
            using errcode = 'OR007',
            hint = 'switch it on first: update notification_endpoints set is_active = true where id = ...';
    end if;
    update public.notification_deliveries
    set status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
    where id = p_delivery_id
    returning * into v_delivery;
    return v_delivery;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.redeliver_notification(p_delivery_id uuid)
returns public.notification_deliveries
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.redeliver_notification(p_delivery_id);
end
$$;

comment on function orchable_rpc.redeliver_notification(uuid) is
'The implementation of public.redeliver_notification, run with its owner''s rights; callable by the roles that may call public.redeliver_notification.';

comment on function public.redeliver_notification(uuid) is
'Tries the caller''s dead delivery again from now, with its tries counted afresh and the same id (webhook-id), so a receiver that had it drops the copy. OR037 for a delivery not theirs, OR007 unless dead or while its endpoint is switched off.';

revoke all on function orchable_rpc.redeliver_notification(uuid) from public, anon, authenticated, service_role;
revoke all on function public.redeliver_notification(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.redeliver_notification(uuid) to authenticated, service_role;
grant execute on function public.redeliver_notification(uuid) to authenticated, service_role;

-- functions/notifications/1060_send_test_notification.sql
-- SECURITY DEFINER: notifications are written by orchable only.
create or replace function orchable_rpc.send_test_notification(p_endpoint_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_endpoint public.notification_endpoints;
    v_id uuid := orchable.time_ordered_uuid();
begin
    select * into v_endpoint from public.notification_endpoints as e where e.id = p_endpoint_id;
    if not found or not orchable._caller_owns(v_endpoint.owner_id) then
        raise exception 'notification endpoint % not found', p_endpoint_id
            using errcode = 'OR038', hint = 'list your endpoints with select * from notification_endpoints';
    end if;
    if not v_endpoint.is_active then
        raise exception 'notification endpoint % is switched off', p_endpoint_id
            using errcode = 'OR007', hint = 'switch it on first: update notification_endpoints set is_active = true ...';
    end if;
    insert into public.notifications (id, owner_id, kind, subject, payload)
    values (v_id, v_endpoint.owner_id, 'endpoint.test', 'orchable: a test of ' || v_endpoint.name,
        jsonb_build_object('endpoint', jsonb_build_object('id', v_endpoint.id, 'name', v_endpoint.name)));
    -- Only to this endpoint, and at once: a test is asked for now, quiet hours or not.
    insert into public.notification_deliveries (id, notification_id, endpoint_id, owner_id)
    values (orchable.time_ordered_uuid(), v_id, v_endpoint.id, v_endpoint.owner_id);
    return v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.send_test_notification(p_endpoint_id uuid)
returns uuid
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.send_test_notification(p_endpoint_id);
end
$$;

comment on function orchable_rpc.send_test_notification(uuid) is
'The implementation of public.send_test_notification, run with its owner''s rights; callable by the roles that may call public.send_test_notification.';

comment on function public.send_test_notification(uuid) is
'Queues an endpoint.test notification to the caller''s active endpoint alone, due at once; returns the notification id (its delivery shows whether the endpoint took it). OR038 for an endpoint not theirs, OR007 when it is switched off.';

revoke all on function orchable_rpc.send_test_notification(uuid) from public, anon, authenticated, service_role;
revoke all on function public.send_test_notification(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.send_test_notification(uuid) to authenticated, service_role;
grant execute on function public.send_test_notification(uuid) to authenticated, service_role;

-- functions/monitors/0930__tg_task_batches__settle_monitor_run.sql
-- A monitor run's batch changed status: its execution follows (running at the first
-- claim), and when it ends the run is settled here, deterministically, in the transaction
-- that ended it:
--   * success: the verdict (the task's output) and the grounding (its provenance) are kept;
--     the state found is normalized and compared with the one the monitor knew; then
--     notify_behavior decides: once notifies the first time the condition is met (and the
--     monitor is completed), always on every run where it is met, track_state whenever
--     the known state changes (the first run only sets it). An ungrounded answer notifies
--     no one unless config.notify_ungrounded, and changes nothing the monitor knows; muted,
--     snoozed and dry runs notify no one. condition_met, last_known_state and
--     last_notified_at record what happened.
--   * failed: nothing the monitor knows changes; after config.failure_alert_after (3)
--     failed runs in a row the run notifies the owner of the failures, once per streak.
-- Every execution says why it did or did not notify (notify_reason); a run that notifies
-- writes its notification and deliveries (orchable._notify) in this same transaction.
create or replace function orchable.tg_task_batches__settle_monitor_run()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    v_monitor public.monitors;
    v_task public.ai_tasks;
    v_grounding jsonb;
    v_grounded boolean;
    v_found jsonb;
    v_known jsonb;
    v_changes text;
    v_condition boolean;
    v_reason text;
    v_notify boolean := false;
    v_failures integer;
begin
    select * into v_execution from public.monitor_executions as e where e.batch_id = new.id for update;
    if not found then
        return null;
    end if;
    if new.status = 'processing' then
        update public.monitor_executions set status = 'running' where id = v_execution.id and status = 'pending';
        return null;
    end if;
    if new.status not in ('completed', 'failed', 'cancelled') or v_execution.status in ('success', 'failed', 'cancelled') then
        return null;
    end if;
    select * into v_monitor from public.monitors as m where m.id = v_execution.monitor_id for update;
    select * into v_task from public.ai_tasks as t where t.id = v_execution.task_id;

    if new.status = 'cancelled' then
        update public.monitor_executions
        set status = 'cancelled', completed_at = now(), notify_reason = 'cancelled'
        where id = v_execution.id;
        return null;
    end if;

    if new.status = 'failed' then
        v_failures := v_monitor.consecutive_failures + (not v_execution.dry_run)::integer;
        v_notify := not v_execution.dry_run
            and v_failures = coalesce((v_monitor.config ->> 'failure_alert_after')::integer, 3);
        update public.monitor_executions
        set
            status = 'failed',
            completed_at = now(),
            error_message = coalesce(v_task.error_message, 'the run failed'),
            cost_usd = new.spent_usd,
            notified = v_notify,
            notify_reason = case when v_notify then 'failures' else 'failed' end
        where id = v_execution.id;
        update public.monitors
        set
            consecutive_failures = v_failures,
            last_notified_at = case when v_notify then now() else last_notified_at end,
            updated_at = now()
        where id = v_monitor.id;
        if v_notify then
            perform orchable._notify(
                v_monitor.owner_id, 'monitor.failing',
                format('%s: %s failed checks in a row', v_monitor.name, v_failures),
                jsonb_build_object(
                    'monitor', jsonb_build_object('id', v_monitor.id, 'name', v_monitor.name),
                    'execution', jsonb_build_object('id', v_execution.id, 'started_at', v_execution.started_at),
                    'consecutive_failures', v_failures,
                    'error', left(coalesce(v_task.error_message, 'the run failed'), 2000)
                ),
                v_monitor.id, v_execution.id
            );
        end if;
        return null;
    end if;

    v_grounding := coalesce(v_task.provenance -> 'grounding', '{}');
    v_grounded := coalesce((v_grounding ->> 'grounded')::boolean, false);
    v_condition := coalesce((v_task.output_data ->> 'condition_met')::boolean, false);
    v_found := orchable._normalized_state(coalesce(v_task.output_data -> 'current_state', '{}'));
    v_known := orchable._normalized_state(v_monitor.last_known_state);
    v_changes := case
        when v_monitor.last_known_state is null then 'first check: nothing known before'
        when v_found = v_known then null
        else orchable._state_changes(v_known, v_found)
    end;

    v_reason := case v_monitor.notify_behavior
        when 'track_state' then case
            when v_monitor.last_known_state is null then 'first_state'
            when v_found = v_known then 'unchanged'
            else 'state_changed'
        end
        else case
            when not v_condition then 'condition_not_met'
            when v_monitor.state = 'completed' then 'already_notified'
            else 'condition_met'
        end
    end;
    v_notify := v_reason in ('condition_met', 'state_changed');
    if v_notify then
        v_reason := case
            when not v_grounded and not coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)
                then 'ungrounded'
            when v_execution.dry_run then 'dry_run'
            when v_monitor.muted then 'muted'
            when v_monitor.snoozed_until > now() then 'snoozed'
            else v_reason
        end;
        v_notify := v_reason in ('condition_met', 'state_changed');
    end if;

    update public.monitor_executions
    set
        status = 'success',
        completed_at = now(),
        result = v_task.output_data,
        condition_met = v_condition,
        change_summary = coalesce(v_changes, 'unchanged'),
        grounded = v_grounded,
        grounding_sources = v_grounding -> 'sources',
        search_queries = array(select jsonb_array_elements_text(coalesce(v_grounding -> 'search_queries', '[]'))),
        search_entry_point = v_grounding ->> 'search_entry_point',
        cost_usd = new.spent_usd,
        notified = v_notify,
        notify_reason = v_reason
    where id = v_execution.id;

    if v_notify then
        perform orchable._notify(
            v_monitor.owner_id, 'monitor.triggered',
            v_monitor.name || ': ' || coalesce(v_task.output_data ->> 'answer', 'the condition is met'),
            jsonb_build_object(
                'monitor', jsonb_build_object(
                    'id', v_monitor.id, 'name', v_monitor.name, 'search_query', v_monitor.search_query,
                    'condition_description', v_monitor.condition_description,
                    'notify_behavior', v_monitor.notify_behavior
                ),
                'execution', jsonb_build_object(
                    'id', v_execution.id, 'started_at', v_execution.started_at, 'reason', v_reason,
                    'condition_met', v_condition, 'change_summary', coalesce(v_changes, 'unchanged'),
                    'answer', left(v_task.output_data ->> 'answer', 4000),
                    'reasoning', left(v_task.output_data ->> 'reasoning', 4000),
                    'current_state', v_task.output_data -> 'current_state',
                    'sources', coalesce(v_grounding -> 'sources', '[]')
                )
            ),
            v_monitor.id, v_execution.id
        );
    end if;

    if not v_execution.dry_run and (v_grounded or coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)) then
        update public.monitors
        set
            condition_met = v_condition,
            last_known_state = v_task.output_data -> 'current_state',
            last_notified_at = case when v_notify then now() else last_notified_at end,
            consecutive_failures = 0,
            state = case when v_notify and notify_behavior = 'once' then 'completed' else state end,
            next_run_at = case when v_notify and notify_behavior = 'once' then null else next_run_at end,
            updated_at = now()
        where id = v_monitor.id;
    elsif not v_execution.dry_run then
        update public.monitors set consecutive_failures = 0, updated_at = now() where id = v_monitor.id;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__settle_monitor_run() is
'Settles a monitor run when its batch changes status: running, then the verdict compared with what the monitor knew and the notify decision (success), the failure streak (failed), or cancelled.';

drop trigger if exists task_batches_50_settle_monitor_run on public.task_batches;
create trigger task_batches_50_settle_monitor_run
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status)
execute function orchable.tg_task_batches__settle_monitor_run();

-- policies/notifications/1000_notification_endpoints.sql
alter table public.notification_endpoints enable row level security;
-- Endpoints are added through add_notification_endpoint (which keeps the secret
-- encrypted); no API role reads secret_encrypted: every other column is granted by name.
-- Owners may rename them, switch them on or off and set their quiet hours, or delete them.
revoke all on table public.notification_endpoints from anon, authenticated, service_role;
grant select (
    id, owner_id, kind, name, url, email_address, secret_prefix, is_active, disabled_reason,
    quiet_hours_start, quiet_hours_end, quiet_hours_timezone, created_at, updated_at
) on table public.notification_endpoints to authenticated, service_role;
grant update (name, is_active, quiet_hours_start, quiet_hours_end, quiet_hours_timezone)
on table public.notification_endpoints to authenticated, service_role;
grant delete on table public.notification_endpoints to authenticated, service_role;

create policy "Owners can read their own notification endpoints"
on public.notification_endpoints for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can update their own notification endpoints"
on public.notification_endpoints for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Owners can delete their own notification endpoints"
on public.notification_endpoints for delete to authenticated
using (owner_id = (select auth.uid()));

-- policies/notifications/1010_notifications.sql
alter table public.notifications enable row level security;
revoke all on table public.notifications from anon, authenticated, service_role;
grant select on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

create policy "Owners can read their own notifications"
on public.notifications for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/notifications/1020_notification_deliveries.sql
alter table public.notification_deliveries enable row level security;
revoke all on table public.notification_deliveries from anon, authenticated, service_role;
grant select on table public.notification_deliveries to authenticated;
grant select, insert, update, delete on table public.notification_deliveries to service_role;

create policy "Owners can read their own notification deliveries"
on public.notification_deliveries for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/platform/0000_orchable_internals.sql: no API role calls a private function.
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
