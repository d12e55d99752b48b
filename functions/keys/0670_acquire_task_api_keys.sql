-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- How a worker takes keys: one per call it is about to make, each call named by the task
-- it is for and that task's claim token. A key is handed out only for a task the caller
-- holds the current claim of, and only the key of that task's owner, so a worker
-- credential alone reads no key: the owner's tasks must be running on it. The keys of
-- each owner's calls are handed out as acquire_api_keys would, at the database's clock.
create function orchable_rpc.acquire_task_api_keys(
    p_task_ids uuid[],
    p_claim_tokens uuid[],
    p_provider text,
    p_model text default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_owner record;
begin
    if p_task_ids is null or p_claim_tokens is null or cardinality(p_task_ids) <> cardinality(p_claim_tokens)
        or cardinality(p_task_ids) not between 1 and 1000 then
        raise exception 'acquire_task_api_keys takes one claim token per task id, for 1 to 1000 calls'
            using errcode = 'OR010',
            detail = format('%s task ids, %s claim tokens', cardinality(p_task_ids), cardinality(p_claim_tokens)),
            hint = 'pass the task id and claim token of each call that needs a key';
    end if;
    -- Each owner's calls (slots in the order given) whose task is held under that claim:
    -- the others get no key, as if none were usable.
    for v_owner in
        select t.owner_id, array_agg(c.slot order by c.slot) as slots
        from unnest(p_task_ids, p_claim_tokens) with ordinality as c (task_id, claim_token, slot)
        join public.ai_tasks as t on t.id = c.task_id
        where t.status = 'processing' and t.claim_token = c.claim_token
        group by t.owner_id
        order by t.owner_id
    loop
        return query
        select (v_owner.slots[k.slot + 1] - 1)::integer, k.api_key_id, k.api_key, k.key_name, k.model_preference
        from orchable_rpc.acquire_api_keys(
            v_owner.owner_id, p_provider, p_model, cardinality(v_owner.slots)
        ) as k;
    end loop;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.acquire_task_api_keys(
    p_task_ids uuid[],
    p_claim_tokens uuid[],
    p_provider text,
    p_model text default null
)
returns table (slot integer, api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.acquire_task_api_keys(p_task_ids, p_claim_tokens, p_provider, p_model);
end
$$;

comment on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text) is
'The implementation of public.acquire_task_api_keys, run with its owner''s rights; callable by the roles that may call public.acquire_task_api_keys.';

comment on function public.acquire_task_api_keys(uuid[], uuid[], text, text) is
'Worker only. Hands over, in clear, one key per call about to be made: call i is for task p_task_ids[i] under claim
p_claim_tokens[i], and gets its owner''s key for p_provider (slot i - 1) as acquire_api_keys ranks them. A call whose
task is not held under that claim gets no row, nor does one whose owner has no usable key: wait and try again.
Errors: OR010 arrays of different lengths, empty, or longer than 1000.';

revoke all on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text)
from public, anon, authenticated, service_role;
revoke all on function public.acquire_task_api_keys(uuid[], uuid[], text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.acquire_task_api_keys(uuid[], uuid[], text, text)
to orchable_worker, service_role;
grant execute on function public.acquire_task_api_keys(uuid[], uuid[], text, text) to orchable_worker, service_role;
