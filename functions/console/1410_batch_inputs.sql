-- SECURITY DEFINER: a batch's inputs are listed from orchable.task_trees (one row per
-- input, which users do not read), through its (batch_id, root_task_id) index: an entry
-- per input, written once, as the counts' updates stay HOT, where an index of ai_tasks
-- would take a new entry at every status change of every input (no task update is HOT).
-- A batch that is not the caller's, or does not exist, raises the same error (OR005).
create function orchable_rpc.batch_inputs(p_batch_id uuid, p_after uuid default null, p_limit integer default 50)
returns setof uuid
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if not exists (
        select from public.task_batches as b where b.id = p_batch_id and orchable._caller_owns(b.owner_id)
    ) then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', hint = 'pass the id of one of your batches';
    end if;
    if p_limit is null or p_limit not between 1 and 500 then
        raise exception 'p_limit must be from 1 to 500'
            using errcode = 'OR003', hint = 'page through the inputs with p_after';
    end if;
    return query
    select t.root_task_id from orchable.task_trees as t
    where t.batch_id = p_batch_id and (p_after is null or t.root_task_id > p_after)
    order by t.root_task_id
    limit p_limit;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.batch_inputs(p_batch_id uuid, p_after uuid default null, p_limit integer default 50)
returns setof uuid
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.batch_inputs(p_batch_id, p_after, p_limit);
end
$$;

comment on function orchable_rpc.batch_inputs(uuid, uuid, integer) is
'The implementation of public.batch_inputs, run with its owner''s rights; callable by the roles that may call public.batch_inputs.';

comment on function public.batch_inputs(uuid, uuid, integer) is
'A page of the ids of a batch''s inputs (root tasks) in launch order (their time-ordered ids), after p_after, at most p_limit (1 to 500); a batch that is not yours raises OR005. The console pages a batch''s task trees by it.';

revoke all on function orchable_rpc.batch_inputs(uuid, uuid, integer) from public, anon, authenticated, service_role;
revoke all on function public.batch_inputs(uuid, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.batch_inputs(uuid, uuid, integer) to authenticated, service_role;
grant execute on function public.batch_inputs(uuid, uuid, integer) to authenticated, service_role;
