-- The caller's monitor, locked for an RPC that changes it; another user's raises OR034 as
-- an unknown one does, so ids of others' monitors cannot be probed.
create function orchable._lock_owned_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors;
begin
    select * into v_monitor from public.monitors as m where m.id = p_monitor_id for update;
    if not found or not orchable._caller_owns(v_monitor.owner_id) then
        raise exception 'monitor % not found', p_monitor_id
            using errcode = 'OR034', hint = 'list your monitors with select * from monitors';
    end if;
    return v_monitor;
end
$$;

comment on function orchable._lock_owned_monitor(uuid) is
'Locks and returns the caller''s monitor; OR034 for a monitor that does not exist or is not theirs.';
