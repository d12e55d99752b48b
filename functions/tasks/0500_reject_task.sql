-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here. The
-- rejection is an answer to the task's interaction (one outcome, decided once).
create function orchable_rpc.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be rejected';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'a rejection needs a reason'
            using errcode = 'OR003', hint = 'say what is wrong with the output';
    end if;
    -- The owner's answer to the task's open interaction, as respond_to_interaction takes it.
    perform
    from public.human_interactions as i
    cross join lateral orchable._answer_interaction(
        i.id, 'user:' || coalesce(auth.uid(), v_task.owner_id), coalesce(auth.uid(), v_task.owner_id), 'in_app',
        jsonb_build_object('decision', 'reject', 'reason', p_reason, 'regenerate', coalesce(p_regenerate, true))
    ) as a
    where i.task_id = p_task_id and i.status = 'pending';
    return case when coalesce(p_regenerate, true) then 'plan' else 'failed' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.reject_task(p_task_id, p_reason, p_regenerate);
end
$$;

comment on function orchable_rpc.reject_task(uuid, text, boolean) is
'The implementation of public.reject_task, run with its owner''s rights; callable by the roles that may call public.reject_task.';

comment on function public.reject_task(uuid, text, boolean) is
'Rejects a generated task by answering its interaction: regenerates it (back to plan with its retries restored) or fails it for good.';

revoke all on function orchable_rpc.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
revoke all on function public.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.reject_task(uuid, text, boolean) to authenticated, service_role;
grant execute on function public.reject_task(uuid, text, boolean) to authenticated, service_role;
