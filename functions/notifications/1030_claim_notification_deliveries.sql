-- SECURITY DEFINER: the worker role has no table privileges, and an endpoint's signing
-- secret (a Slack endpoint's bot token) is decrypted only here, for the worker that
-- delivers. Due deliveries (and those whose worker's lease lapsed) of active endpoints, in
-- due order, skipping rows other workers hold; each claim counts as a try. A delivery whose
-- tries are spent while its leases keep lapsing is dead instead. An interaction's
-- notification to an email address gets a link token of its own on every claim: 32 random
-- bytes (URL-safe base64), returned once here and kept only as its SHA-256
-- (interaction_links), valid until the interaction's timeout (or interaction_link_days);
-- none once the interaction is closed or past its timeout.
create function orchable_rpc.claim_notification_deliveries(
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
create function public.claim_notification_deliveries(
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
