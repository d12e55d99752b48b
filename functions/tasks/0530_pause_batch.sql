-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create function orchable_rpc.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches
    set status = 'paused', status_reason = 'paused by its owner', updated_at = now()
    where id = p_batch_id and status in ('pending', 'processing')
    returning * into v_batch;
    if found then
        perform orchable._begin_pause(p_batch_id, 'person', (select auth.uid()), '{}', 'Paused by a person');
    else
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %; only a pending or processing batch can be paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'nothing is left to pause';
        end if;
    end if;
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.pause_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.pause_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.pause_batch(uuid) is
'The implementation of public.pause_batch, run with its owner''s rights; callable by the roles that may call public.pause_batch.';

comment on function public.pause_batch(uuid) is
'Pauses a batch: no task of it is claimed until resume_batch; tasks in flight still finish. The pause is recorded in batch_pauses (reason person, paused_by the caller) and on the timeline.';

revoke all on function orchable_rpc.pause_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.pause_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.pause_batch(uuid) to authenticated, service_role;
grant execute on function public.pause_batch(uuid) to authenticated, service_role;
