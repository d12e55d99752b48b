-- Interaction channels and `orchable serve` (issue 23, part C): Slack endpoints, notifications
-- sent to an interaction's endpoints only, email answer links kept as hashes
-- (interaction_links), every incoming answer stored before it is matched (hil_responses),
-- and the least-privileged role orchable serve logs in with. Delta from the sources named
-- below (scripts/new-migration.sh), with the table changes and the drops written by hand.

-- sql/platform/0015_role_orchable_serve.sql
-- The role `orchable serve` acts as: it may store and match incoming answers, read what
-- an answer link shows, and call trigger_webhook; nothing else (no table privileges).
-- A deployment grants it to the server's login:
--   create role orchable_serve_login login password '...';
--   grant orchable_serve to orchable_serve_login;
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'orchable_serve') then
        create role orchable_serve nologin;
    end if;
end
$$;

grant usage on schema public to orchable_serve;

-- sql/notifications/1000_table_notification_endpoints.sql (the Slack columns, by hand)
alter table public.notification_endpoints
add column slack_channel text,
add column signing_secret_encrypted text;
alter table public.notification_endpoints drop constraint notification_endpoints_kind_known;
alter table public.notification_endpoints
add constraint notification_endpoints_kind_known check (kind in ('webhook', 'email', 'slack')),
add constraint notification_endpoints_slack_has_channel_and_signing_secret check (
    (kind = 'slack') = (slack_channel is not null and signing_secret_encrypted is not null)
),
add constraint notification_endpoints_slack_has_bot_token check (kind <> 'slack' or secret_encrypted is not null),
add constraint notification_endpoints_slack_channel_shaped check (slack_channel ~ '^[^\s]{1,80}$'),
add constraint notification_endpoints_signing_secret_is_ciphertext check (
    signing_secret_encrypted ~ '^[0-9]+:[A-Za-z0-9+/]+={0,2}$'
);
comment on table public.notification_endpoints is
'Where an owner is told: a webhook (Standard Webhooks, signed with its own secret, kept encrypted), an email address or a Slack channel (a bot token and the app''s signing secret, kept encrypted); a notification goes to each active endpoint of the owner (an interaction''s, to those it asks).';
comment on column public.notification_endpoints.kind is 'webhook, email or slack.';
comment on column public.notification_endpoints.secret_encrypted is 'For webhook: its whsec_ signing secret; for slack: the bot token (xoxb-...); encrypted as API keys are; never readable by an API role.';
comment on column public.notification_endpoints.slack_channel is 'For slack: the channel messages are posted to (an id such as C0123ABCD, or #name).';
comment on column public.notification_endpoints.signing_secret_encrypted is 'For slack: the Slack app''s signing secret, which verifies its interactivity requests (orchable serve); encrypted as API keys are; never readable by an API role.';

-- sql/notifications/1010_table_notifications.sql (the interaction kinds, by hand)
alter table public.notifications add column interaction_id uuid;
alter table public.notifications drop constraint notifications_kind_known;
alter table public.notifications
add constraint notifications_kind_known check (kind in (
    'monitor.triggered', 'monitor.failing', 'endpoint.test',
    'interaction.requested', 'interaction.reminder', 'interaction.escalated'
)),
add constraint notifications_interaction_kind_has_interaction_id check (
    (kind like 'interaction.%') = (interaction_id is not null)
);
create index notifications_interaction_id_idx on public.notifications (interaction_id) where interaction_id is not null;
comment on column public.notifications.kind is 'monitor.triggered (a run decided to notify), monitor.failing (failed runs in a row), endpoint.test (send_test_notification), or interaction.requested, interaction.reminder, interaction.escalated (a person is asked, reminded, or asked further).';
comment on column public.notifications.interaction_id is 'For the interaction kinds: the human interaction it asks about (no foreign key: the notification stays with its owner when the interaction is purged).';

-- sql/interactions/1150_table_interaction_links.sql
-- The answer links of interaction emails: one per delivery try (claim_notification_deliveries
-- mints a random token each time it hands an interaction's email to a worker), kept only as
-- the token's SHA-256, so the database never holds a link that works. A link opens a page
-- (interaction_for_link) and answers only by a POST of its form (answer_by_link), so a mail
-- scanner that fetches every link answers nothing; it expires with the interaction.
create table public.interaction_links (
    token_hash bytea primary key,
    interaction_id uuid not null references public.human_interactions (id) on delete cascade,
    delivery_id uuid not null references public.notification_deliveries (id) on delete cascade,
    recipient text not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    constraint interaction_links_token_hash_is_sha256 check (octet_length(token_hash) = 32),
    constraint interaction_links_expires_after_created check (expires_at > created_at)
);

create index interaction_links_interaction_id_idx on public.interaction_links (interaction_id);
create index interaction_links_delivery_id_idx on public.interaction_links (delivery_id);

comment on table public.interaction_links is
'Answer links sent by email: the SHA-256 of each random token (never the token), the interaction it answers, the delivery and address it went to, and when it expires.';
comment on column public.interaction_links.token_hash is 'SHA-256 of the link''s token (32 random bytes, URL-safe base64); the token itself is never stored.';
comment on column public.interaction_links.interaction_id is 'The interaction the link answers.';
comment on column public.interaction_links.delivery_id is 'The email delivery whose try carried it.';
comment on column public.interaction_links.recipient is 'The address it was sent to: the responder (email:<address>) of an answer through it.';
comment on column public.interaction_links.expires_at is 'When it stops working: the interaction''s timeout_at, or interaction_link_days after it was made when the interaction has none.';
comment on column public.interaction_links.created_at is 'When it was made (the delivery''s claim).';

insert into orchable.limits (name, value, description) values
('interaction_link_days', 7, 'days an email answer link works when its interaction has no timeout')
on conflict (name) do nothing;

-- sql/interactions/1160_table_hil_responses.sql
-- Every answer that comes in through a channel (a Slack click or thread reply, an email
-- link's form, a webhook), stored as it came before anything is decided about it, then
-- matched: verified (orchable serve checks the signature), tied to the interaction it
-- names, and answered through orchable._answer_interaction. What could not be used is kept
-- with the reason, so the record shows who answered late, twice, or not at all.
create table public.hil_responses (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid references auth.users (id) on delete cascade,
    source_channel text not null,
    endpoint_id uuid references public.notification_endpoints (id) on delete set null,
    raw_payload jsonb not null,
    headers jsonb not null default '{}',
    status text not null default 'unprocessed',
    reason text,
    responder_key text,
    interaction_id uuid,
    response jsonb,
    free_text text,
    matched_interaction_id uuid,
    answer_outcome text,
    ai_relevance_score numeric(3, 2),
    ai_reasoning text,
    processed_at timestamptz,
    received_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    reading_batch_id uuid references public.task_batches (id) on delete set null,
    constraint hil_responses_source_channel_known check (source_channel in ('slack', 'email', 'webhook')),
    constraint hil_responses_status_known check (
        status in ('unprocessed', 'matched', 'filtered_out', 'late', 'duplicate', 'error')
    ),
    constraint hil_responses_processed_has_processed_at check ((status = 'unprocessed') = (processed_at is null)),
    constraint hil_responses_unprocessed_reason_is_awaiting_classification check (
        status <> 'unprocessed' or reason is null or reason = 'awaiting classification'
    ),
    constraint hil_responses_filtered_out_has_reason check (status <> 'filtered_out' or reason is not null),
    constraint hil_responses_matched_has_interaction check (
        status not in ('matched', 'late', 'duplicate') or matched_interaction_id is not null
    ),
    constraint hil_responses_answer_outcome_known check (
        answer_outcome in ('settled', 'counted', 'late', 'duplicate')
    ),
    constraint hil_responses_headers_is_object check (jsonb_typeof(headers) = 'object'),
    constraint hil_responses_relevance_between_0_and_1 check (ai_relevance_score between 0 and 1)
);

create index hil_responses_owner_id_received_at_idx on public.hil_responses (owner_id, received_at desc);
create index hil_responses_matched_interaction_id_idx on public.hil_responses (matched_interaction_id)
where matched_interaction_id is not null;
create index hil_responses_reading_batch_id_idx on public.hil_responses (reading_batch_id)
where reading_batch_id is not null;
-- What the classification of free text (a Slack thread reply, a webhook's prose) reads next.
create index hil_responses_awaiting_classification_idx on public.hil_responses (received_at)
where status = 'unprocessed' and free_text is not null;

comment on table public.hil_responses is
'Every answer received through a channel (slack, email, webhook), stored first as it came (raw payload and headers, never a bearer token or cookie), then matched to its interaction or kept as filtered_out, late or duplicate with the reason; free text waits, unprocessed, for classification.';
comment on column public.hil_responses.id is 'The response''s id (interaction_answers.hil_response_id).';
comment on column public.hil_responses.owner_id is 'The owner it reached: the verified endpoint''s (or link''s) owner; null while unverified, and for what never verified.';
comment on column public.hil_responses.source_channel is 'slack, email (an answer link''s form) or webhook.';
comment on column public.hil_responses.endpoint_id is 'The notification endpoint it came through (a webhook or Slack endpoint; an email link''s endpoint).';
comment on column public.hil_responses.raw_payload is 'The request as it came: its JSON body (a Slack payload, a webhook body, the link form''s fields).';
comment on column public.hil_responses.headers is 'The request''s headers, signature headers included, without Authorization, Cookie or other credentials.';
comment on column public.hil_responses.status is 'unprocessed (just stored, or free text awaiting classification), matched (it answered: settled or counted), filtered_out (not used: reason says why), late (the interaction was no longer pending), duplicate (this responder had answered), error.';
comment on column public.hil_responses.reason is 'Why it was filtered out, late, a duplicate or an error; ''awaiting classification'' for free text not yet read.';
comment on column public.hil_responses.responder_key is 'Who answered, as the channel proved it: slack:<team>:<user>, email:<address>, webhook:<endpoint id>.';
comment on column public.hil_responses.interaction_id is 'The interaction the request names (unverified until matched).';
comment on column public.hil_responses.response is 'The structured answer read from the request ({"decision"}, {"choice"}, {"answer"}...), as _answer_interaction takes it.';
comment on column public.hil_responses.free_text is 'A free-text answer (a Slack thread reply, a webhook''s text), classified later.';
comment on column public.hil_responses.matched_interaction_id is 'The interaction it was matched to.';
comment on column public.hil_responses.answer_outcome is 'What the interaction made of it: settled, counted (quorum short), late or duplicate.';
comment on column public.hil_responses.ai_relevance_score is 'For free text: how relevant the classification judged it to its interaction (0 to 1).';
comment on column public.hil_responses.ai_reasoning is 'For free text: why the classification judged it so.';
comment on column public.hil_responses.processed_at is 'When it was matched or filtered out.';
comment on column public.hil_responses.received_at is 'When orchable serve received it.';
comment on column public.hil_responses.created_at is 'When it was stored.';
comment on column public.hil_responses.reading_batch_id is 'For free text: the batch of the owner''s "answers (orchable)" pipeline that reads it.';

insert into orchable.limits (name, value, description) values
(
    'hil_response_bytes', 262144,
    'bytes of an incoming answer''s payload and headers orchable serve stores (hil_responses, OR047)'
)
on conflict (name) do nothing;

-- functions/notifications/1010__notify.sql, 1020_add_notification_endpoint.sql and
-- 1030_claim_notification_deliveries.sql take new parameters or return more columns: the
-- old functions go first.
drop function orchable._notify(uuid, text, text, jsonb, uuid, uuid);
drop function public.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid);
drop function orchable_rpc.add_notification_endpoint(text, text, text, text, text, time, time, text, uuid);
drop function public.claim_notification_deliveries(text, integer, integer);
drop function orchable_rpc.claim_notification_deliveries(text, integer, integer);

-- functions/notifications/1010__notify.sql
-- Tells an owner: the notification, and one delivery to each of their active endpoints
-- (or, given p_endpoint_ids, to those of them only: an interaction asks the endpoints it
-- names), written in the caller's transaction (the one that decided it), so a decision and
-- its deliveries are kept or lost together. A delivery due in an endpoint's quiet hours
-- waits for their end. An interaction's notification carries its id (from the payload's
-- interaction_id).
create or replace function orchable._notify(
    p_owner_id uuid,
    p_kind text,
    p_subject text,
    p_payload jsonb,
    p_monitor_id uuid,
    p_monitor_execution_id uuid,
    p_endpoint_ids uuid[] default null
)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := orchable.time_ordered_uuid();
begin
    insert into public.notifications (
        id, owner_id, kind, subject, payload, monitor_id, monitor_execution_id, interaction_id
    )
    values (
        v_id, p_owner_id, p_kind, left(p_subject, 300), p_payload, p_monitor_id, p_monitor_execution_id,
        case when p_kind like 'interaction.%' then (p_payload ->> 'interaction_id')::uuid end
    );
    insert into public.notification_deliveries (id, notification_id, endpoint_id, owner_id, next_attempt_at)
    select orchable.time_ordered_uuid(), v_id, e.id, p_owner_id, orchable._quiet_until(e, now())
    from public.notification_endpoints as e
    where e.owner_id = p_owner_id and e.is_active
        and (p_endpoint_ids is null or e.id = any(p_endpoint_ids));
    return v_id;
end
$$;

comment on function orchable._notify(uuid, text, text, jsonb, uuid, uuid, uuid[]) is
'Writes a notification for p_owner_id and one delivery to each of their active endpoints (only those of p_endpoint_ids when given; after quiet hours); returns its id.';

-- functions/notifications/1020_add_notification_endpoint.sql
-- SECURITY DEFINER: users may not write endpoints' secrets, nor read the key-encryption
-- keys; a webhook's secret is made here (or taken from the caller), kept encrypted and
-- shown once; a Slack endpoint's bot token and signing secret are the caller's, kept
-- encrypted and never shown again.
create or replace function orchable_rpc.add_notification_endpoint(
    p_kind text,
    p_name text,
    p_url text default null,
    p_email_address text default null,
    p_secret text default null,
    p_quiet_hours_start time default null,
    p_quiet_hours_end time default null,
    p_quiet_hours_timezone text default 'UTC',
    p_owner_id uuid default null,
    p_slack_channel text default null,
    p_slack_bot_token text default null,
    p_slack_signing_secret text default null
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
        when p_kind is null or p_kind not in ('webhook', 'email', 'slack') then 'p_kind must be webhook, email or slack'
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
        when p_kind <> 'slack' and coalesce(p_slack_channel, p_slack_bot_token, p_slack_signing_secret) is not null then
            'p_slack_channel, p_slack_bot_token and p_slack_signing_secret are for a slack endpoint'
        when p_kind = 'slack' and (p_url is not null or p_email_address is not null or p_secret is not null) then
            'a slack endpoint takes no p_url, p_email_address or p_secret'
        when p_kind = 'slack' and (p_slack_channel is null or p_slack_channel !~ '^[^\s]{1,80}$') then
            'a slack endpoint needs p_slack_channel, a channel id such as C0123ABCD (or #name)'
        when p_kind = 'slack' and (p_slack_bot_token is null or p_slack_bot_token !~ '^xoxb-[A-Za-z0-9-]{10,250}$') then
            'a slack endpoint needs p_slack_bot_token, the app''s bot token (xoxb-...)'
        when p_kind = 'slack' and (p_slack_signing_secret is null or p_slack_signing_secret !~ '^[A-Za-z0-9]{16,128}$') then
            'a slack endpoint needs p_slack_signing_secret, the app''s signing secret (Basic Information)'
        when (p_quiet_hours_start is null) <> (p_quiet_hours_end is null) then
            'quiet hours need both p_quiet_hours_start and p_quiet_hours_end'
        when exists (select from public.notification_endpoints as e where e.owner_id = v_owner_id and e.name = btrim(p_name)) then
            format('an endpoint named %s exists', quote_literal(btrim(p_name)))
    end;
    if v_problem is not null then
        raise exception 'invalid notification endpoint: %', v_problem
            using errcode = 'OR003',
            hint = 'add_notification_endpoint(''webhook'', name, p_url => ...), (''email'', name, p_email_address => ...) or (''slack'', name, p_slack_channel => ..., p_slack_bot_token => ..., p_slack_signing_secret => ...)';
    end if;
    if p_quiet_hours_start is not null then
        perform orchable._check_schedule('@daily', p_quiet_hours_timezone);
    end if;
    id := gen_random_uuid();
    insert into public.notification_endpoints (
        id, owner_id, kind, name, url, email_address, secret_encrypted, secret_prefix,
        quiet_hours_start, quiet_hours_end, quiet_hours_timezone, slack_channel, signing_secret_encrypted
    )
    values (
        id, v_owner_id, p_kind, btrim(p_name), p_url, p_email_address,
        case
            when secret is not null then orchable._encrypt_api_key(secret)
            when p_kind = 'slack' then orchable._encrypt_api_key(p_slack_bot_token)
        end,
        case when p_kind = 'slack' then left(p_slack_bot_token, 9) else left(secret, 12) end,
        p_quiet_hours_start, p_quiet_hours_end, coalesce(p_quiet_hours_timezone, 'UTC'), p_slack_channel,
        case when p_kind = 'slack' then orchable._encrypt_api_key(p_slack_signing_secret) end
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
    p_owner_id uuid default null,
    p_slack_channel text default null,
    p_slack_bot_token text default null,
    p_slack_signing_secret text default null
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
        p_quiet_hours_timezone, p_owner_id, p_slack_channel, p_slack_bot_token, p_slack_signing_secret
    );
end
$$;

comment on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
) is
'The implementation of public.add_notification_endpoint, run with its owner''s rights; callable by the roles that may call public.add_notification_endpoint.';

comment on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
) is
'Adds where the signed-in user (service_role: p_owner_id) is told: a webhook at p_url, signed as Standard Webhooks signs (p_secret, whsec_..., or one is made), an email to p_email_address, or a Slack channel (p_slack_channel, the app''s bot token p_slack_bot_token and signing secret p_slack_signing_secret, both kept encrypted); optional quiet hours defer deliveries (never checks). Returns the id and, for a webhook, its secret: the only time it is shown. Bad arguments raise OR003, a bad quiet-hours zone OR031.';

revoke all on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
from public, anon, authenticated, service_role;
revoke all on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
to authenticated, service_role;
grant execute on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
to authenticated, service_role;

-- functions/notifications/1030_claim_notification_deliveries.sql
-- SECURITY DEFINER: the worker role has no table privileges, and an endpoint's signing
-- secret (a Slack endpoint's bot token) is decrypted only here, for the worker that
-- delivers. Due deliveries (and those whose worker's lease lapsed) of active endpoints, in
-- due order, skipping rows other workers hold; each claim counts as a try. A delivery whose
-- tries are spent while its leases keep lapsing is dead instead. An interaction's
-- notification to an email address gets a link token of its own on every claim: 32 random
-- bytes (URL-safe base64), returned once here and kept only as its SHA-256
-- (interaction_links), valid until the interaction's timeout (or interaction_link_days);
-- none once the interaction is closed or past its timeout.
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
    created_at timestamptz,
    slack_channel text,
    link_token text,
    endpoint_id uuid
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
    ),
    tokens as materialized (
        select
            c.id as delivery_id, n.interaction_id, e.email_address,
            rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=') as token
        from claimed as c
        join public.notification_endpoints as e on e.id = c.endpoint_id
        join public.notifications as n on n.id = c.notification_id
        where e.kind = 'email' and n.interaction_id is not null
    ),
    links as (
        insert into public.interaction_links (token_hash, interaction_id, delivery_id, recipient, expires_at)
        select
            extensions.digest(t.token, 'sha256'), t.interaction_id, t.delivery_id, t.email_address,
            coalesce(h.timeout_at, now() + make_interval(days => orchable._limit('interaction_link_days')::integer))
        from tokens as t
        join public.human_interactions as h on h.id = t.interaction_id
        -- No link to a question that is closed or past its time (a try after the timeout).
        where h.status = 'pending' and (h.timeout_at is null or h.timeout_at > now())
        returning interaction_links.delivery_id
    )
    select
        c.id, c.claim_token, c.attempts, e.kind, e.url, e.email_address,
        case when e.secret_encrypted is not null then orchable._decrypt_api_key(e.secret_encrypted) end,
        n.id, n.kind, n.subject, n.payload, n.created_at, e.slack_channel,
        case when l.delivery_id is not null then t.token end, e.id
    from claimed as c
    join public.notification_endpoints as e on e.id = c.endpoint_id
    join public.notifications as n on n.id = c.notification_id
    left join tokens as t on t.delivery_id = c.id
    left join links as l on l.delivery_id = c.id;
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
    created_at timestamptz,
    slack_channel text,
    link_token text,
    endpoint_id uuid
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
'Worker only. Claims up to p_limit due deliveries of active endpoints (FOR UPDATE SKIP LOCKED) with a lease and a claim token each, counting a try; returns where to deliver (a webhook''s URL and signing secret, an email address, or a Slack channel and its bot token) and what (the notification), and for an interaction''s email a fresh answer-link token (only its hash is kept). Settle each with report_notification_delivery.';

revoke all on function orchable_rpc.claim_notification_deliveries(text, integer, integer)
from public, anon, authenticated, service_role;
revoke all on function public.claim_notification_deliveries(text, integer, integer)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_notification_deliveries(text, integer, integer)
to orchable_worker, service_role;
grant execute on function public.claim_notification_deliveries(text, integer, integer)
to orchable_worker, service_role;

-- functions/interactions/1155_receive_hil_response.sql
-- SECURITY DEFINER: orchable serve has no table privileges. Stores an incoming answer as
-- it came, in a statement of its own, before its signature is checked or anything is
-- decided about it (match_hil_response decides), so no answer is lost between the two.
-- Credentials in the headers are dropped here too (serve drops them first). The endpoint
-- must exist and be of the channel's kind, else nothing is stored (OR045).
create or replace function orchable_rpc.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := orchable.time_ordered_uuid();
    v_headers jsonb := coalesce(p_headers, '{}');
    v_bytes bigint := orchable._limit('hil_response_bytes');
    v_problem text;
begin
    v_problem := case
        when p_source_channel is null or p_source_channel not in ('slack', 'webhook') then
            'p_source_channel must be slack or webhook (email answers come through answer_by_link)'
        when p_raw_payload is null then 'p_raw_payload is missing'
        when jsonb_typeof(v_headers) <> 'object' then 'p_headers must be a JSON object'
        when octet_length(p_raw_payload::text) + octet_length(v_headers::text) + coalesce(octet_length(p_free_text), 0) > v_bytes then
            format('the payload is larger than %s bytes', v_bytes)
        when p_response is not null and jsonb_typeof(p_response) <> 'object' then 'p_response must be a JSON object'
        when p_responder_key is not null and length(p_responder_key) > 300 then 'p_responder_key is longer than 300 characters'
    end;
    if v_problem is not null then
        raise exception 'the answer cannot be stored: %', v_problem
            using errcode = 'OR047', detail = format('limit hil_response_bytes = %s', v_bytes),
            hint = 'send one JSON answer of a few kilobytes';
    end if;
    if p_endpoint_id is null or not exists (
        select from public.notification_endpoints as e where e.id = p_endpoint_id and e.kind = p_source_channel
    ) then
        raise exception 'no % endpoint %', p_source_channel, p_endpoint_id
            using errcode = 'OR045', hint = 'answer through the URL of an endpoint that asked you';
    end if;
    insert into public.hil_responses (
        id, source_channel, endpoint_id, raw_payload, headers, interaction_id, responder_key, response, free_text
    )
    values (
        v_id, p_source_channel, p_endpoint_id, p_raw_payload,
        v_headers - array['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'],
        p_interaction_id, p_responder_key, p_response, p_free_text
    );
    return v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.receive_hil_response(
        p_source_channel, p_endpoint_id, p_raw_payload, p_headers, p_interaction_id, p_responder_key, p_response,
        p_free_text
    );
end
$$;

comment on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text) is
'The implementation of public.receive_hil_response, run with its owner''s rights; callable by the roles that may call public.receive_hil_response.';

comment on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text) is
'orchable serve only. Stores an answer that came through a slack or webhook endpoint, as it came (unprocessed), with what serve read from it (the interaction it names, who answered, the structured response or free text); returns its id, for match_hil_response. OR045 unknown endpoint, OR047 a payload past hil_response_bytes or bad arguments.';

revoke all on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text)
from public, anon, authenticated, service_role;
revoke all on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text)
to orchable_serve, service_role;
grant execute on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text)
to orchable_serve, service_role;

-- functions/interactions/1160_endpoint_signing_secret.sql
-- SECURITY DEFINER: secrets are decrypted only inside orchable's own functions. The secret
-- orchable serve checks an incoming answer's signature with: a webhook endpoint's whsec_
-- secret (Standard Webhooks), a Slack endpoint's signing secret. Nothing else is told about
-- an endpoint that does not exist or is of another kind (OR045).
create or replace function orchable_rpc.endpoint_signing_secret(p_endpoint_id uuid, p_kind text)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_encrypted text;
begin
    select case e.kind when 'webhook' then e.secret_encrypted when 'slack' then e.signing_secret_encrypted end
    into v_encrypted
    from public.notification_endpoints as e
    where e.id = p_endpoint_id and e.kind = p_kind and e.kind in ('webhook', 'slack');
    if v_encrypted is null then
        raise exception 'no % endpoint %', p_kind, p_endpoint_id
            using errcode = 'OR045', hint = 'answer through the URL of an endpoint that asked you';
    end if;
    return orchable._decrypt_api_key(v_encrypted);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.endpoint_signing_secret(p_endpoint_id uuid, p_kind text)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.endpoint_signing_secret(p_endpoint_id, p_kind);
end
$$;

comment on function orchable_rpc.endpoint_signing_secret(uuid, text) is
'The implementation of public.endpoint_signing_secret, run with its owner''s rights; callable by the roles that may call public.endpoint_signing_secret.';

comment on function public.endpoint_signing_secret(uuid, text) is
'orchable serve only. The secret an answer through the endpoint is verified with: a webhook endpoint''s whsec_ secret, or a Slack endpoint''s signing secret (p_kind webhook or slack). OR045 when there is no such endpoint of that kind.';

revoke all on function orchable_rpc.endpoint_signing_secret(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.endpoint_signing_secret(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.endpoint_signing_secret(uuid, text) to orchable_serve, service_role;
grant execute on function public.endpoint_signing_secret(uuid, text) to orchable_serve, service_role;

-- functions/interactions/1165__match_hil_response.sql
-- Decides what a stored answer is, once: filtered_out when its signature failed
-- (p_signature_error), when it names no interaction or one its endpoint was not asked for
-- (another owner's, or an endpoint not among the interaction's endpoint_ids), or when the
-- answer does not fit the question (OR042, OR021); free text stays unprocessed, awaiting
-- classification; anything else is answered through _answer_interaction: matched (settled
-- or counted), late or duplicate. An answer that failed verification is never tied to an
-- owner, so nobody can write rows into another owner's record by posting to their URL.
create or replace function orchable._match_hil_response(p_response_id uuid, p_signature_error text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_response public.hil_responses;
    v_endpoint_owner uuid;
    v_interaction record;
    v_answer record;
    v_outcome text;
    v_status text;
    v_reason text;
    v_owner uuid;
    v_matched uuid;
begin
    select * into v_response from public.hil_responses as r where r.id = p_response_id for update;
    select e.owner_id into v_endpoint_owner from public.notification_endpoints as e where e.id = v_response.endpoint_id;
    if p_signature_error is not null then
        v_status := 'filtered_out';
        v_reason := left('not verified: ' || p_signature_error, 500);
    elsif v_endpoint_owner is null then
        v_status := 'filtered_out';
        v_reason := 'its endpoint no longer exists';
    else
        v_owner := v_endpoint_owner;
        select i.id, i.owner_id, i.endpoint_ids, i.status into v_interaction
        from public.human_interactions as i where i.id = v_response.interaction_id;
        if v_response.interaction_id is null and v_response.free_text is null then
            v_status := 'filtered_out';
            v_reason := 'it names no interaction';
        elsif v_response.interaction_id is not null and (v_interaction.id is null or v_interaction.owner_id <> v_endpoint_owner) then
            v_status := 'filtered_out';
            v_reason := 'unknown interaction';
        elsif v_interaction.id is not null and not (v_response.endpoint_id = any(v_interaction.endpoint_ids)) then
            v_status := 'filtered_out';
            v_reason := 'the interaction did not ask this endpoint';
        elsif v_response.response is null then
            -- Free text: read later by the classification (relevance, the decision it reads).
            update public.hil_responses as r
            set owner_id = v_owner, reason = 'awaiting classification'
            where r.id = p_response_id;
            return;
        else
            begin
                select * into v_answer from orchable._answer_interaction(
                    v_interaction.id, v_response.responder_key, null, v_response.source_channel, v_response.response,
                    v_response.id
                );
                v_matched := v_interaction.id;
                v_outcome := v_answer.outcome;
                v_status := case v_outcome
                    when 'late' then 'late'
                    when 'duplicate' then 'duplicate'
                    else 'matched'
                end;
                v_reason := case v_outcome
                    when 'late' then format('the interaction had ended (%s)', v_answer.status)
                    when 'duplicate' then 'this responder had already answered'
                end;
            exception when sqlstate 'OR042' or sqlstate 'OR039' or sqlstate 'OR021' then
                v_status := 'filtered_out';
                v_reason := left('the answer does not fit: ' || sqlerrm, 500);
            end;
        end if;
    end if;
    update public.hil_responses as r
    set
        status = v_status,
        reason = v_reason,
        owner_id = v_owner,
        matched_interaction_id = v_matched,
        answer_outcome = v_outcome,
        processed_at = now()
    where r.id = p_response_id;
end
$$;

comment on function orchable._match_hil_response(uuid, text) is
'Matches a stored hil_responses row once: filtered_out (unverified, unknown interaction, endpoint not asked, answer that does not fit), unprocessed awaiting classification (free text), or answered through _answer_interaction (matched, late, duplicate).';

-- functions/interactions/1170_match_hil_response.sql
-- SECURITY DEFINER: orchable serve has no table privileges. Decides a stored answer once
-- (orchable._match_hil_response): serve passes why its signature failed, or null when it
-- verified. Matching one already decided changes nothing and returns how it was decided.
-- An unforeseen error is kept on the row (status error) rather than lost.
create or replace function orchable_rpc.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_response public.hil_responses;
begin
    select * into v_response from public.hil_responses as r where r.id = p_response_id for update;
    if not found then
        raise exception 'answer % not found', p_response_id
            using errcode = 'OR046', hint = 'match the id receive_hil_response returned';
    end if;
    if v_response.status = 'unprocessed' and v_response.reason is null then
        begin
            perform orchable._match_hil_response(p_response_id, p_signature_error);
        exception when others then
            update public.hil_responses as r
            set status = 'error', reason = left(sqlstate || ': ' || sqlerrm, 500), processed_at = now()
            where r.id = p_response_id;
        end;
    end if;
    return query
    select r.status, r.reason, coalesce(r.matched_interaction_id, r.interaction_id), r.answer_outcome
    from public.hil_responses as r where r.id = p_response_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.match_hil_response(p_response_id, p_signature_error);
end
$$;

comment on function orchable_rpc.match_hil_response(uuid, text) is
'The implementation of public.match_hil_response, run with its owner''s rights; callable by the roles that may call public.match_hil_response.';

comment on function public.match_hil_response(uuid, text) is
'orchable serve only. Decides a stored answer once, after serve checked its signature (p_signature_error: why it failed, null when it verified): filtered_out with the reason, unprocessed awaiting classification (free text), or answered: matched, late or duplicate. Returns its status, reason, interaction and what the interaction made of it; OR046 for an unknown id.';

revoke all on function orchable_rpc.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.match_hil_response(uuid, text) to orchable_serve, service_role;
grant execute on function public.match_hil_response(uuid, text) to orchable_serve, service_role;

-- functions/interactions/1175_interaction_for_link.sql
-- SECURITY DEFINER: orchable serve has no table privileges. What an email answer link
-- shows (GET /answer/{token}): the question, the output it is about and its state. It
-- changes nothing, so a mail scanner that fetches the link answers nothing. An unknown
-- token and an expired link raise the same error (OR044), telling nothing else.
create or replace function orchable_rpc.interaction_for_link(p_token text)
returns table (
    interaction_id uuid,
    interaction_type text,
    status text,
    outcome text,
    priority text,
    request_data jsonb,
    timeout_at timestamptz,
    expires_at timestamptz,
    recipient text
)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select
        i.id, i.interaction_type, i.status, i.outcome, i.priority, i.request_data, i.timeout_at, l.expires_at,
        l.recipient
    from public.interaction_links as l
    join public.human_interactions as i on i.id = l.interaction_id
    where l.token_hash = extensions.digest(coalesce(p_token, ''), 'sha256') and l.expires_at > now();
    if not found then
        raise exception 'this link is unknown or has expired'
            using errcode = 'OR044', hint = 'answer from the latest email, or in the app';
    end if;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.interaction_for_link(p_token text)
returns table (
    interaction_id uuid,
    interaction_type text,
    status text,
    outcome text,
    priority text,
    request_data jsonb,
    timeout_at timestamptz,
    expires_at timestamptz,
    recipient text
)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.interaction_for_link(p_token);
end
$$;

comment on function orchable_rpc.interaction_for_link(text) is
'The implementation of public.interaction_for_link, run with its owner''s rights; callable by the roles that may call public.interaction_for_link.';

comment on function public.interaction_for_link(text) is
'orchable serve only. What an email answer link shows: its interaction''s question (request_data), type, state and priority, when it times out, when the link expires and whom it was sent to. Changes nothing. OR044 for a token that is unknown or expired, alike.';

revoke all on function orchable_rpc.interaction_for_link(text) from public, anon, authenticated, service_role;
revoke all on function public.interaction_for_link(text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.interaction_for_link(text) to orchable_serve, service_role;
grant execute on function public.interaction_for_link(text) to orchable_serve, service_role;

-- functions/interactions/1180_answer_by_link.sql
-- SECURITY DEFINER: orchable serve has no table privileges. Answers an interaction through
-- an email link's form (POST /answer/{token}): stores the answer (hil_responses, source
-- email, responder email:<recipient>; never the token) and matches it at once, in one
-- transaction. A link past its expiry is kept as late and answers nothing, even when its
-- interaction (one with no timeout) is still pending. An unknown token stores nothing
-- (OR044).
create or replace function orchable_rpc.answer_by_link(p_token text, p_response jsonb, p_headers jsonb default '{}')
returns table (response_id uuid, status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_link public.interaction_links;
    v_delivery public.notification_deliveries;
    v_id uuid := orchable.time_ordered_uuid();
    v_headers jsonb := coalesce(p_headers, '{}');
    v_bytes bigint := orchable._limit('hil_response_bytes');
begin
    select * into v_link from public.interaction_links as l
    where l.token_hash = extensions.digest(coalesce(p_token, ''), 'sha256');
    if not found then
        raise exception 'this link is unknown or has expired'
            using errcode = 'OR044', hint = 'answer from the latest email, or in the app';
    end if;
    if jsonb_typeof(p_response) is distinct from 'object' or jsonb_typeof(v_headers) <> 'object'
        or octet_length(p_response::text) + octet_length(v_headers::text) > v_bytes then
        raise exception 'the answer cannot be stored: it must be a JSON object of at most % bytes', v_bytes
            using errcode = 'OR047', detail = format('limit hil_response_bytes = %s', v_bytes),
            hint = 'send the form as the page shows it';
    end if;
    select * into v_delivery from public.notification_deliveries as d where d.id = v_link.delivery_id;
    insert into public.hil_responses (
        id, source_channel, endpoint_id, raw_payload, headers, interaction_id, responder_key, response
    )
    values (
        v_id, 'email', v_delivery.endpoint_id, jsonb_build_object('response', p_response),
        v_headers - array['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'],
        v_link.interaction_id, 'email:' || v_link.recipient, p_response
    );
    if v_link.expires_at <= now() then
        update public.hil_responses as r
        set
            status = 'late',
            reason = format('the link expired at %s', v_link.expires_at),
            owner_id = v_delivery.owner_id,
            matched_interaction_id = v_link.interaction_id,
            processed_at = now()
        where r.id = v_id;
    else
        perform orchable._match_hil_response(v_id, null);
    end if;
    return query
    select r.id, r.status, r.reason, coalesce(r.matched_interaction_id, r.interaction_id), r.answer_outcome
    from public.hil_responses as r where r.id = v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.answer_by_link(p_token text, p_response jsonb, p_headers jsonb default '{}')
returns table (response_id uuid, status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.answer_by_link(p_token, p_response, p_headers);
end
$$;

comment on function orchable_rpc.answer_by_link(text, jsonb, jsonb) is
'The implementation of public.answer_by_link, run with its owner''s rights; callable by the roles that may call public.answer_by_link.';

comment on function public.answer_by_link(text, jsonb, jsonb) is
'orchable serve only. Answers through an email link''s form: stores the answer (responder email:<recipient>) and matches it in one call; returns the hil_responses id, its status (matched, late, duplicate, filtered_out) and reason, the interaction and what it made of the answer. An expired link is kept as late and answers nothing. OR044 unknown token (nothing stored), OR047 a response that is not a small JSON object.';

revoke all on function orchable_rpc.answer_by_link(text, jsonb, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.answer_by_link(text, jsonb, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.answer_by_link(text, jsonb, jsonb) to orchable_serve, service_role;
grant execute on function public.answer_by_link(text, jsonb, jsonb) to orchable_serve, service_role;

-- policies/notifications/1000_notification_endpoints.sql (slack_channel is readable; its secrets are not)
grant select (
    id, owner_id, kind, name, url, email_address, secret_prefix, is_active, disabled_reason,
    quiet_hours_start, quiet_hours_end, quiet_hours_timezone, created_at, updated_at, slack_channel
) on table public.notification_endpoints to authenticated, service_role;

-- policies/platform/0015_orchable_serve.sql
-- orchable serve reaches the RPCs' implementations (orchable_rpc) and, for deployments
-- without PostgREST, trigger_webhook; its other RPCs are granted where they are defined.
grant usage on schema orchable_rpc to orchable_serve;
grant execute on function orchable_rpc.trigger_webhook(text, jsonb) to orchable_serve;
grant execute on function public.trigger_webhook(text, jsonb) to orchable_serve;

-- policies/interactions/1150_interaction_links.sql
alter table public.interaction_links enable row level security;
-- Links are made by claim_notification_deliveries and read by the serve RPCs only: a
-- token's hash is of no use to anyone, and nobody reads or writes them directly.
revoke all on table public.interaction_links from anon, authenticated, service_role;

-- policies/interactions/1160_hil_responses.sql
alter table public.hil_responses enable row level security;
-- Written only through the serve RPCs (receive_hil_response, match_hil_response,
-- answer_by_link); owners read what reached them.
revoke all on table public.hil_responses from anon, authenticated, service_role;
grant select on table public.hil_responses to authenticated, service_role;

create policy "Owners can read the answers that reached them"
on public.hil_responses for select to authenticated
using (owner_id = (select auth.uid()));

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
