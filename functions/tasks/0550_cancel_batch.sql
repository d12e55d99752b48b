-- SECURITY DEFINER: users cannot update batches or tasks directly; ownership is checked
-- here, and orchable._cancel_batch cancels.
create function orchable_rpc.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    if v_batch.status in ('completed', 'cancelled') then
        if v_batch.status = 'completed' then
            raise exception 'batch % is completed', p_batch_id
                using errcode = 'OR007', hint = 'nothing is left to cancel';
        end if;
        return v_batch;
    end if;
    return orchable._cancel_batch(p_batch_id, 'cancelled by its owner', (select auth.uid()));
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cancel_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.cancel_batch(uuid) is
'The implementation of public.cancel_batch, run with its owner''s rights; callable by the roles that may call public.cancel_batch.';

comment on function public.cancel_batch(uuid) is
'Cancels a batch: its open tasks become cancelled and workers'' results for them are refused (OR006); its active pauses end as cancelled.';

revoke all on function orchable_rpc.cancel_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.cancel_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cancel_batch(uuid) to authenticated, service_role;
grant execute on function public.cancel_batch(uuid) to authenticated, service_role;
