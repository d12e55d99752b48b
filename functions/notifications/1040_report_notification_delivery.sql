-- SECURITY DEFINER: the worker role has no table privileges. The worker says what the
-- receiver answered; the database decides what follows. After a failed try the next waits
-- on Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after
-- the first at once), with 10% of jitter, longer when the receiver asked (Retry-After), and
-- past the endpoint's quiet hours; after the tenth the delivery is dead. A 410 (gone)
-- switches the endpoint off and the delivery is dead.
create function orchable_rpc.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null,
    p_external_id text default null
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
        external_id = case when v_status = 'delivered' then left(p_external_id, 200) end,
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
create function public.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null,
    p_external_id text default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_notification_delivery(
        p_delivery_id, p_claim_token, p_outcome, p_status_code, p_error, p_retry_after_seconds, p_external_id
    );
end
$$;

comment on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text) is
'The implementation of public.report_notification_delivery, run with its owner''s rights; callable by the roles that may call public.report_notification_delivery.';

comment on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text) is
'Worker only. Settles a claimed delivery: delivered (with p_external_id, what the receiver calls it: a Slack message''s <channel>:<ts>); failed (tried again on Standard Webhooks'' schedule with jitter, no sooner than p_retry_after_seconds, after quiet hours; dead after the tenth try); or gone (HTTP 410: the endpoint is switched off, the delivery dead). Returns its new status; a stale claim token raises OR006, an unknown outcome OR010.';

revoke all on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
from public, anon, authenticated, service_role;
revoke all on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
to orchable_worker, service_role;
grant execute on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
to orchable_worker, service_role;
