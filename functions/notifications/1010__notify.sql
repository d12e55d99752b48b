-- Tells an owner: the notification, and one delivery to each of their active endpoints
-- (or, given p_endpoint_ids, to those of them only: an interaction asks the endpoints it
-- names), written in the caller's transaction (the one that decided it), so a decision and
-- its deliveries are kept or lost together. A delivery due in an endpoint's quiet hours
-- waits for their end. An interaction's notification carries its id (from the payload's
-- interaction_id).
create function orchable._notify(
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
