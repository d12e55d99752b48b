-- SECURITY DEFINER: the worker role has no table privileges, and an endpoint's signing
-- secret is decrypted only here, for the worker that delivers. Due deliveries (and those
-- whose worker's lease lapsed) of active endpoints, in due order, skipping rows other
-- workers hold; each claim counts as a try. A delivery whose tries are spent while its
-- leases keep lapsing is dead instead.
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
