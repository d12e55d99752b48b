-- SECURITY DEFINER: notifications are written by orchable only.
create function orchable_rpc.send_test_notification(p_endpoint_id uuid)
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
create function public.send_test_notification(p_endpoint_id uuid)
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
