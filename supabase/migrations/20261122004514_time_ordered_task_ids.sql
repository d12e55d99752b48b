-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/0105_time_ordered_uuid.sql
-- A UUID whose first 48 bits are the Unix time in milliseconds (the UUIDv7 layout of
-- RFC 9562; PostgreSQL 18 has uuidv7(), 15 has not), the rest random. Task ids are made
-- with it: tasks created together sit together in every index keyed by a task id (the
-- primary key, task_events and llm_calls by task), so a claim or a completion of 64 tasks
-- touches a few index pages instead of 64 scattered ones.
create or replace function orchable.time_ordered_uuid()
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_bytes bytea := uuid_send(gen_random_uuid());  -- random, with the RFC variant bits
begin
    v_bytes := overlay(v_bytes placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6);
    v_bytes := set_byte(v_bytes, 6, (get_byte(v_bytes, 6) & 15) | 112);  -- version 7
    return encode(v_bytes, 'hex')::uuid;
end
$$;

comment on function orchable.time_ordered_uuid() is
'A version 7 UUID: Unix milliseconds in its first 48 bits, random after. The id of every task orchable creates.';

-- functions/0200_insert_child.sql
create or replace function orchable._insert_child(
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
set search_path = ''
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

-- functions/0210_tg_ai_tasks__fan_out.sql
-- Runs once per statement that completes tasks, before the event and counter triggers:
-- for every task that has just completed and whose stage has next stages (in id order),
-- creates the children of every next stage. 1:1 gets the output as input; 1:N one child
-- per element at split_path; N:1 counts this branch's arrival in its split's merge
-- group, and the arrival that completes the group (its row lock serialises them) creates
-- the one merge task. A merge task's parent is the split task, so like every child it is
-- one step below its parent, whether the split was empty or not.
create or replace function orchable.tg_ai_tasks__fan_out()
returns trigger
language plpgsql
set search_path = ''
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

drop trigger if exists ai_tasks_10_fan_out on public.ai_tasks;
create trigger ai_tasks_10_fan_out
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__fan_out();

-- functions/0320_launch_batch.sql
-- SECURITY DEFINER: users cannot insert batches or tasks directly; this is the one way in.
create or replace function public.launch_batch(
    p_orchestrator_id uuid,
    p_inputs jsonb,
    p_name text default null,
    p_config jsonb default '{}',
    p_idempotency_key text default null
)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_orchestrator public.orchestrators;
    v_entry public.prompt_templates;
    v_batch public.task_batches;
begin
    select * into v_orchestrator from public.orchestrators where id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0 then
        raise exception 'p_inputs must be a non-empty JSON array'
            using errcode = 'OR003', detail = format('got %s', coalesce(jsonb_typeof(p_inputs), 'null')),
            hint = 'pass one element per input: [{"topic": "..."}, ...]';
    end if;
    if length(p_name) > 200 or length(p_idempotency_key) > 200 then
        raise exception 'p_name and p_idempotency_key are at most 200 characters long'
            using errcode = 'OR003',
            detail = format('p_name: %s, p_idempotency_key: %s', length(p_name), length(p_idempotency_key)),
            hint = 'use a shorter name, or a hash of what identifies the launch as its key';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    select * into v_entry from public.prompt_templates
    where orchestrator_id = v_orchestrator.id and stage_key = v_orchestrator.entry_stage_key and is_active;

    insert into public.task_batches (owner_id, orchestrator_id, name, config, idempotency_key)
    values (
        v_orchestrator.owner_id, v_orchestrator.id,
        coalesce(p_name, format('%s %s', v_orchestrator.name, to_char(now(), 'YYYY-MM-DD HH24:MI:SS'))),
        p_config, p_idempotency_key
    )
    on conflict (owner_id, idempotency_key) do nothing
    returning * into v_batch;
    if not found then
        select * into strict v_batch from public.task_batches
        where owner_id = v_orchestrator.owner_id and idempotency_key = p_idempotency_key;
        return v_batch;
    end if;

    insert into public.ai_tasks (
        id, root_task_id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key,
        input_data, prompt_template_id, requires_approval, max_retries
    )
    select
        i.id, i.id, v_batch.owner_id, v_batch.orchestrator_id, v_batch.id, v_batch.launch_id,
        coalesce(v_entry.stage_config ->> 'task_type', v_entry.stage_key), v_entry.stage_key,
        i.input, v_entry.id, v_entry.requires_approval, v_entry.max_retries
    from (
        select orchable.time_ordered_uuid() as id, e.input, e.position
        from jsonb_array_elements(p_inputs) with ordinality as e (input, position)
    ) as i
    order by i.position;

    select * into strict v_batch from public.task_batches where id = v_batch.id;
    return v_batch;
end
$$;

comment on function public.launch_batch(uuid, jsonb, text, jsonb, text) is
'Launches a batch: one root task of the entry stage per element of p_inputs, all or nothing. The same p_idempotency_key from the same owner returns the first batch.';

revoke all on function public.launch_batch(uuid, jsonb, text, jsonb, text)
from public, anon, authenticated, service_role;
grant execute on function public.launch_batch(uuid, jsonb, text, jsonb, text) to authenticated, service_role;

-- sql/0140_table_ai_tasks.sql and policies/0160_orchable_internals.sql, for what is new.
comment on column public.ai_tasks.id is 'The task id; orchable makes time-ordered ones (orchable.time_ordered_uuid).';
revoke all on function orchable.time_ordered_uuid() from public, anon, authenticated, service_role;
