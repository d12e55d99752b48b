-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here. The
-- approval is an answer to the task's interaction (one outcome, decided once).
create function orchable_rpc.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_outcome text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    perform orchable._check_json_limits(p_output, 'p_output');
    -- The owner's answer to the task's open interaction, as respond_to_interaction takes it.
    select a.outcome into v_outcome
    from public.human_interactions as i
    cross join lateral orchable._answer_interaction(
        i.id, 'user:' || coalesce(auth.uid(), v_task.owner_id), coalesce(auth.uid(), v_task.owner_id), 'in_app',
        jsonb_strip_nulls(jsonb_build_object('decision', 'approve', 'output', p_output))
    ) as a
    where i.task_id = p_task_id and i.status = 'pending';
    return case v_outcome when 'settled' then 'completed' else 'generated' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.approve_task(p_task_id, p_output);
end
$$;

comment on function orchable_rpc.approve_task(uuid, jsonb) is
'The implementation of public.approve_task, run with its owner''s rights; callable by the roles that may call public.approve_task.';

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output) by answering its interaction: it completes and its children are created, or stays generated while a quorum is short (returns generated). OR007 not awaiting approval; OR042 its interaction asks for something else (respond_to_interaction).';

revoke all on function orchable_rpc.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.approve_task(uuid, jsonb) to authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;
