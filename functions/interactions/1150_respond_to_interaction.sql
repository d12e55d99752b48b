-- SECURITY DEFINER: users cannot write interactions or tasks directly. The caller must be
-- the interaction's owner or one of its responders; anyone else is told it does not exist.
create function orchable_rpc.respond_to_interaction(p_interaction_id uuid, p_response jsonb)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_user_id uuid := auth.uid();
begin
    if v_user_id is null or not exists (
        select from public.human_interactions as i
        where i.id = p_interaction_id and (i.owner_id = v_user_id or v_user_id = any(i.responder_ids))
    ) then
        raise exception 'interaction % not found', p_interaction_id
            using errcode = 'OR039', hint = 'answer an interaction of v_my_interactions, signed in as one of its responders';
    end if;
    return query select * from orchable._answer_interaction(
        p_interaction_id, 'user:' || v_user_id, v_user_id, 'in_app', p_response
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.respond_to_interaction(p_interaction_id uuid, p_response jsonb)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.respond_to_interaction(p_interaction_id, p_response);
end
$$;

comment on function orchable_rpc.respond_to_interaction(uuid, jsonb) is
'The implementation of public.respond_to_interaction, run with its owner''s rights; callable by the roles that may call public.respond_to_interaction.';

comment on function public.respond_to_interaction(uuid, jsonb) is
'Answers an interaction as the signed-in user (its owner or a responder). p_response: {"decision": "approve", "output": <edited, optional>} or {"decision": "reject", "reason": ..., "regenerate": bool} (approval, review with "comment" and "score"); {"choice": <option value>} (selection); {"answer": <fits input_schema>} (input).
Returns outcome settled (it decided), counted (approvals short of the quorum), late (already settled: nothing changed) or duplicate (you had answered: nothing changed). OR039 not found (or not yours to answer); OR042 an answer that does not fit.';

revoke all on function orchable_rpc.respond_to_interaction(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.respond_to_interaction(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.respond_to_interaction(uuid, jsonb) to authenticated;
grant execute on function public.respond_to_interaction(uuid, jsonb) to authenticated;
