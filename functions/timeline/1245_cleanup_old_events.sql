-- SECURITY DEFINER: retention deletes every owner's old rows, which no API role may.
create function orchable_rpc.cleanup_old_events(p_retention_days integer)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_retention_days is null or p_retention_days < 1 or p_retention_days > 36500 then
        raise exception 'p_retention_days must be a number of days from 1 to 36500'
            using errcode = 'OR048', detail = format('got %s', coalesce(p_retention_days::text, 'null')),
            hint = 'pass how many days of events to keep, e.g. 30';
    end if;
    return orchable._delete_old_events(now() - make_interval(days => p_retention_days));
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.cleanup_old_events(p_retention_days integer)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cleanup_old_events(p_retention_days);
end
$$;

comment on function orchable_rpc.cleanup_old_events(integer) is
'The implementation of public.cleanup_old_events, run with its owner''s rights; callable by the roles that may call public.cleanup_old_events.';

comment on function public.cleanup_old_events(integer) is
'Operators only (service_role, pg_cron). Deletes the events older than p_retention_days of batches that finished (completed, failed, cancelled) that long ago; never those of a pending, processing or paused batch. Deletes in chunks of retention_chunk_rows, each locking only the rows it deletes, and at most retention_rows_per_call rows per call: call it again until it returns 0. Returns how many it deleted. Errors: OR048 p_retention_days not from 1 to 36500.';

revoke all on function orchable_rpc.cleanup_old_events(integer) from public, anon, authenticated, service_role;
revoke all on function public.cleanup_old_events(integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cleanup_old_events(integer) to service_role;
grant execute on function public.cleanup_old_events(integer) to service_role;
