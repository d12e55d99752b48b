-- SECURITY DEFINER: users cannot update batches directly; ownership is checked here.
create function orchable_rpc.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    update public.task_batches as b
    set
        status = n.status,
        status_reason = null,
        finished_at = case when n.status in ('completed', 'failed') then now() end,
        updated_at = now()
    from (
        select orchable._batch_status(
            case when started_at is null then 'pending' else 'processing' end,
            total_tasks, completed_tasks, failed_tasks) as status
        from public.task_batches
        where id = p_batch_id
    ) as n
    where b.id = p_batch_id and b.status = 'paused'
    returning * into v_batch;
    if found then
        -- A pause that waits for an interaction ends with its answer, not here.
        perform orchable._end_pauses(
            p_batch_id, 'resumed', 'person', (select auth.uid()), array['person', 'budget', 'error']
        );
    else
        select * into strict v_batch from public.task_batches where id = p_batch_id;
        if v_batch.status <> 'paused' then
            raise exception 'batch % is %, not paused', p_batch_id, v_batch.status
                using errcode = 'OR007', hint = 'only a paused batch can be resumed';
        end if;
    end if;
    perform pg_notify('orchable_tasks', 'runnable');
    return v_batch;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.resume_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.resume_batch(uuid) is
'The implementation of public.resume_batch, run with its owner''s rights; callable by the roles that may call public.resume_batch.';

comment on function public.resume_batch(uuid) is
'Resumes a paused batch: its runnable tasks can be claimed again. Its pauses by a person, a budget or an error end in batch_pauses (resumed, resume_trigger person, resumed_by the caller).';

revoke all on function orchable_rpc.resume_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_batch(uuid) to authenticated, service_role;
grant execute on function public.resume_batch(uuid) to authenticated, service_role;
