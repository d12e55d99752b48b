create function orchable._insert_child(
    p_parent public.ai_tasks,
    p_stage public.prompt_templates,
    p_input jsonb,
    p_step_number integer,
    p_split_task_id uuid,
    p_branch_index integer
)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.ai_tasks (
        id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
        prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
        requires_approval, max_retries, split_task_id, branch_index
    )
    values (
        orchable.time_ordered_uuid(), p_parent.owner_id, p_parent.orchestrator_id, p_parent.batch_id, p_parent.launch_id,
        coalesce(p_stage.stage_config ->> 'task_type', p_stage.stage_key), p_stage.stage_key, p_input,
        p_stage.id, p_parent.id, p_parent.root_task_id, p_parent.hierarchy_path || to_jsonb(p_parent.id),
        p_step_number, p_stage.requires_approval, p_stage.max_retries, p_split_task_id, p_branch_index
    );
end
$$;

comment on function orchable._insert_child(public.ai_tasks, public.prompt_templates, jsonb, integer, uuid, integer) is
'Creates one child task of a stage under a parent; batch, launch, root and hierarchy come from the parent.';
