-- Where the database has Supabase Realtime, a statement's events go out as one Broadcast
-- message per batch on the private topic orchable:batch:<batch id> (realtime.send, which
-- catches its own errors, so a broadcast never undoes the statement). Only ids, the
-- event, its status, message and progress travel, never an input or an output, and at
-- most the statement's last 20 events of the batch (event_count says how many there
-- were). The trigger exists only where realtime.send does (_wire_realtime_broadcast).
create function orchable.tg_task_events__broadcast()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    perform realtime.send(
        jsonb_build_object(
            'batch_id', b.batch_id, 'event_count', b.event_count, 'progress', b.progress, 'events', b.events
        ),
        'timeline',
        'orchable:batch:' || b.batch_id,
        true
    )
    from (
        select r.batch_id, max(r.event_count) as event_count,
            (array_agg(r.progress order by r.id desc))[1] as progress,
            jsonb_agg(jsonb_build_object(
                'id', r.id, 'task_id', r.task_id, 'event', r.event, 'to_status', r.to_status,
                'level', r.level, 'message', r.message, 'progress', r.progress
            ) order by r.id) filter (where r.position <= 20) as events
        from (
            select e.batch_id, e.id, e.task_id, e.event, e.to_status, e.level, e.message, e.progress,
                row_number() over (partition by e.batch_id order by e.id desc) as position,
                count(*) over (partition by e.batch_id) as event_count
            from new_events as e
        ) as r
        group by r.batch_id
    ) as b;
    return null;
end
$$;

comment on function orchable.tg_task_events__broadcast() is
'Statement trigger (only where realtime.send exists): broadcasts the ids, status, message and progress of a statement''s events on the private topic orchable:batch:<batch id>.';
