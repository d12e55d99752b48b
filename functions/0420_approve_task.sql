-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here.
create function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = ''
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

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output): it completes and its children are created.';

revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;
