-- SECURITY DEFINER: retention deletes every owner's finished batches, which no API role may.
create function orchable_rpc.purge_finished_batches(p_older_than interval)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_older_than is null or p_older_than <= interval '0' or p_older_than > interval '100 years' then
        raise exception 'p_older_than must be a positive interval of at most 100 years'
            using errcode = 'OR049', detail = format('got %s', coalesce(p_older_than::text, 'null')),
            hint = 'pass how long to keep a finished batch, e.g. interval ''90 days''';
    end if;
    return orchable._purge_finished_batches(now() - p_older_than);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.purge_finished_batches(p_older_than interval)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.purge_finished_batches(p_older_than);
end
$$;

comment on function orchable_rpc.purge_finished_batches(interval) is
'The implementation of public.purge_finished_batches, run with its owner''s rights; callable by the roles that may call public.purge_finished_batches.';

comment on function public.purge_finished_batches(interval) is
'Operators only (service_role, pg_cron). Deletes the batches that finished (completed, failed, cancelled) more than p_older_than ago, with their tasks, events, LLM calls, pauses and interactions; never a pending, processing or paused batch. Deletes retention_chunk_batches batches per statement and at most retention_rows_per_call per call: call it again until it returns 0. Returns how many batches it deleted. Errors: OR049 p_older_than not positive or over 100 years.';

revoke all on function orchable_rpc.purge_finished_batches(interval) from public, anon, authenticated, service_role;
revoke all on function public.purge_finished_batches(interval) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.purge_finished_batches(interval) to service_role;
grant execute on function public.purge_finished_batches(interval) to service_role;
