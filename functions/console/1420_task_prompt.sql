-- SECURITY DEFINER: a prompt is rendered by orchable's own functions, which users do not
-- call. The prompt a task is sent: its template version rendered over its input, exactly
-- as claim_tasks renders it for the worker. Null when it cannot be rendered (a variable
-- missing from the input, or past the prompt_bytes limit: the task failed with OR008 or
-- OR020 then). A task that is not the caller's, or does not exist, raises OR004.
create function orchable_rpc.task_prompt(p_task_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid;
    v_input jsonb;
    v_template text;
    v_prompt text;
begin
    select t.owner_id, t.input_data, p.template into v_owner_id, v_input, v_template
    from public.ai_tasks as t
    join public.prompt_templates as p on p.id = t.prompt_template_id
    where t.id = p_task_id;
    if not found or not orchable._caller_owns(v_owner_id) then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'pass the id of one of your tasks';
    end if;
    select r.rendered into v_prompt
    from orchable._parse_template(v_template) as pt
    cross join lateral orchable._render_template(pt.parts, pt.names, v_input, orchable._limit('prompt_bytes')) as r;
    return v_prompt;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.task_prompt(p_task_id uuid)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.task_prompt(p_task_id);
end
$$;

comment on function orchable_rpc.task_prompt(uuid) is
'The implementation of public.task_prompt, run with its owner''s rights; callable by the roles that may call public.task_prompt.';

comment on function public.task_prompt(uuid) is
'The prompt a task of yours is sent: its template version rendered over its input, as claim_tasks renders it; null when it cannot be (a missing variable, OR008, or past the prompt_bytes limit, OR020). A task that is not yours raises OR004.';

revoke all on function orchable_rpc.task_prompt(uuid) from public, anon, authenticated, service_role;
revoke all on function public.task_prompt(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.task_prompt(uuid) to authenticated, service_role;
grant execute on function public.task_prompt(uuid) to authenticated, service_role;
