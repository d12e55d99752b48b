-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function orchable_rpc.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_output jsonb := coalesce(p_output, v_task.output_data);
    v_split_error text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    perform orchable._check_json_limits(p_output, 'p_output');
    v_split_error := orchable._split_error(v_task.prompt_template_id, v_output);
    if v_split_error is not null then
        raise exception 'task % cannot be approved: %', p_task_id, v_split_error
            using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
    end if;
    update public.ai_tasks
    set status = 'completed', output_data = v_output, approved_at = now(), completed_at = now(), updated_at = now()
    where id = p_task_id;
    return 'completed';
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
'Approves a generated task (optionally with an edited output): it completes and its children are created.';

revoke all on function orchable_rpc.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.approve_task(uuid, jsonb) to authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;
