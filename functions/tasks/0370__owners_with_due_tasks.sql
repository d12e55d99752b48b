-- Up to p_count owners that have a task due now, for a claim to share its tasks between:
-- a walk of ai_tasks_runnable_idx from a random owner id onwards, wrapping around, one
-- index probe to find each next owner and one to see whether its earliest task is due.
-- The random start gives every owner the same chance to come first, with no state that
-- workers would contend for; the walk's cost grows with the owners it visits (at most
-- p_count of those with due work), never with their tasks.
create function orchable._owners_with_due_tasks(p_count integer)
returns uuid[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_start constant uuid := gen_random_uuid();
    v_after uuid := v_start;
    v_wrapped boolean := false;
    v_owner uuid;
    v_owners uuid[] := '{}';
begin
    while cardinality(v_owners) < p_count loop
        select t.owner_id into v_owner
        from public.ai_tasks as t
        where t.status in ('plan', 'processing')
            and t.owner_id > v_after and (not v_wrapped or t.owner_id < v_start)
        order by t.owner_id
        limit 1;
        if v_owner is null then
            exit when v_wrapped;
            v_wrapped := true;
            v_after := '00000000-0000-0000-0000-000000000000';
            -- The nil uuid is no user's id; an owner with it would be missed, and none has.
            continue;
        end if;
        -- The owner's earliest task, read from the index in its order (as an EXISTS, the
        -- planner may scan the table for the first due row, past every finished task).
        if (
            select (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
            from public.ai_tasks as t
            where t.owner_id = v_owner and t.status in ('plan', 'processing')
            order by t.owner_id, (case when t.status = 'processing' then t.locked_until else t.run_after end)
            limit 1
        ) then
            v_owners := v_owners || v_owner;
        end if;
        v_after := v_owner;
    end loop;
    return v_owners;
end
$$;

comment on function orchable._owners_with_due_tasks(integer) is
'Up to p_count owners with a task due now, starting from a random owner id: whom a claim shares its tasks between.';
