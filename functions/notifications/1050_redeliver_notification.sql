-- SECURITY DEFINER: deliveries change through RPCs only.
create function orchable_rpc.redeliver_notification(p_delivery_id uuid)
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
create function public.redeliver_notification(p_delivery_id uuid)
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
