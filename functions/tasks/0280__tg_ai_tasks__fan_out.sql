-- Runs once per statement that completes tasks, before the event and counter triggers:
-- for every task that has just completed and whose stage has next stages (in id order),
-- creates the children of every next stage. 1:1 gets the output as input; 1:N one child
-- per element at split_path; N:1 counts this branch's arrival in its split's merge
-- group, and the arrival that completes the group (its row lock serialises them) creates
-- the one merge task. A merge task's parent is the split task, so like every child it is
-- one step below its parent, whether the split was empty or not.
create function orchable.tg_ai_tasks__fan_out()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
    v_next public.prompt_templates;
    v_merge public.prompt_templates;
    v_split public.ai_tasks;
    v_group orchable.merge_groups;
    v_items jsonb;
    v_input jsonb;
begin
    for v_task in
        select n.*
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        join public.prompt_templates as p on p.id = n.prompt_template_id
        where n.status = 'completed' and o.status is distinct from 'completed'
            and jsonb_array_length(p.stage_config -> 'next') > 0
        order by n.id
    loop
        for v_next in select * from orchable._next_stages(v_task.prompt_template_id) loop
            case v_next.stage_config ->> 'cardinality'
            when '1:1' then
                v_input := v_task.output_data;
                if coalesce(v_next.stage_config -> 'input_mapping', '{}'::jsonb) <> '{}'::jsonb then
                    if jsonb_typeof(v_input) <> 'object' then
                        v_input := jsonb_build_object('output', v_input);
                    end if;
                    v_input := v_input || orchable._mapped_input(
                        v_next.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data);
                end if;
                perform orchable._insert_child(v_task, v_next, v_input, v_task.step_number + 1,
                    v_task.split_task_id, v_task.branch_index);

            when '1:N' then
                v_items := v_task.output_data #> orchable._path(v_next.stage_config ->> 'split_path');
                if jsonb_typeof(v_items) is distinct from 'array' then
                    raise exception 'split_path "%" of stage "%" is not an array in the output of task %',
                        v_next.stage_config ->> 'split_path', v_next.stage_key, v_task.id
                        using errcode = 'OR009',
                        hint = 'complete_task fails such a task instead of completing it; this is a bug';
                end if;
                insert into public.ai_tasks (
                    id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, input_data,
                    prompt_template_id, parent_task_id, root_task_id, hierarchy_path, step_number,
                    requires_approval, max_retries, split_task_id, branch_index
                )
                select
                    orchable.time_ordered_uuid(), v_task.owner_id, v_task.orchestrator_id, v_task.batch_id,
                    v_task.launch_id, coalesce(v_next.stage_config ->> 'task_type', v_next.stage_key), v_next.stage_key,
                    jsonb_build_object('item', e.item, 'item_index', e.position - 1)
                    || orchable._mapped_input(v_next.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data),
                    v_next.id, v_task.id, v_task.root_task_id, v_task.hierarchy_path || to_jsonb(v_task.id),
                    v_task.step_number + 1, v_next.requires_approval, v_next.max_retries, v_task.id, (e.position - 1)::integer
                from jsonb_array_elements(v_items) with ordinality as e (item, position);

                for v_merge in
                    select m.* from jsonb_array_elements_text(v_next.stage_config -> 'merge_stage_keys') as k (stage_key)
                    join public.prompt_templates as m
                        on m.orchestrator_id = v_task.orchestrator_id and m.stage_key = k.stage_key and m.is_active
                loop
                    if jsonb_array_length(v_items) = 0 then
                        perform orchable._insert_child(v_task, v_merge,
                            orchable._nest_at_path(v_merge.stage_config ->> 'merge_path', '[]'::jsonb)
                            || orchable._mapped_input(v_merge.stage_config -> 'input_mapping', v_task.input_data, v_task.output_data),
                            v_task.step_number + 1, v_task.split_task_id, v_task.branch_index);
                    else
                        insert into orchable.merge_groups (split_task_id, merge_stage_key, expected_count)
                        values (v_task.id, v_merge.stage_key, jsonb_array_length(v_items));
                    end if;
                end loop;

            when 'N:1' then
                update orchable.merge_groups as g
                set arrived_count = g.arrived_count + 1
                where g.split_task_id = v_task.split_task_id and g.merge_stage_key = v_next.stage_key
                returning * into v_group;
                if not found then
                    raise exception 'task % reached merge stage "%" outside of any split', v_task.id, v_next.stage_key
                        using errcode = 'OR015',
                        hint = 'upsert_orchestrator refuses an N:1 stage with no 1:N above it; this is a bug';
                end if;
                if v_group.arrived_count = v_group.expected_count then
                    select * into strict v_split from public.ai_tasks where id = v_task.split_task_id;
                    perform orchable._insert_child(
                        v_split, v_next,
                        orchable._nest_at_path(v_next.stage_config ->> 'merge_path', (
                            select coalesce(jsonb_agg(b.output_data order by b.branch_index), '[]'::jsonb)
                            from public.ai_tasks as b
                            where b.split_task_id = v_task.split_task_id and b.stage_key = v_task.stage_key
                                and b.status = 'completed'
                        ))
                        || orchable._mapped_input(v_next.stage_config -> 'input_mapping', v_split.input_data, v_split.output_data),
                        v_split.step_number + 1, v_split.split_task_id, v_split.branch_index);
                    update orchable.merge_groups as g
                    set merged_at = now()
                    where g.split_task_id = v_group.split_task_id and g.merge_stage_key = v_group.merge_stage_key;
                end if;
            end case;
        end loop;
    end loop;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__fan_out() is
'Statement trigger: creates the children of the tasks a statement has just completed: 1:1, 1:N (split) and N:1 (merge, exactly once per split).';

create trigger ai_tasks_10_fan_out
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__fan_out();
