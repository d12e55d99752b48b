-- SECURITY DEFINER: orchable serve has no table privileges. Decides a stored answer once
-- (orchable._match_hil_response) on why its signature failed: p_signature_error, else
-- what serve stored with it (null: it verified). Matching one already decided changes nothing and returns how it was decided.
-- An unforeseen error is kept on the row (status error) rather than lost.
create function orchable_rpc.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_response public.hil_responses;
begin
    select * into v_response from public.hil_responses as r where r.id = p_response_id for update;
    if not found then
        raise exception 'answer % not found', p_response_id
            using errcode = 'OR046', hint = 'match the id receive_hil_response returned';
    end if;
    if v_response.status = 'unprocessed' and v_response.reason is null then
        begin
            perform orchable._match_hil_response(p_response_id, coalesce(p_signature_error, v_response.signature_error));
        exception when others then
            update public.hil_responses as r
            set status = 'error', reason = left(sqlstate || ': ' || sqlerrm, 500), processed_at = now()
            where r.id = p_response_id;
        end;
    end if;
    return query
    select r.status, r.reason, coalesce(r.matched_interaction_id, r.interaction_id), r.answer_outcome
    from public.hil_responses as r where r.id = p_response_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.match_hil_response(p_response_id, p_signature_error);
end
$$;

comment on function orchable_rpc.match_hil_response(uuid, text) is
'The implementation of public.match_hil_response, run with its owner''s rights; callable by the roles that may call public.match_hil_response.';

comment on function public.match_hil_response(uuid, text) is
'orchable serve only. Decides a stored answer once, after serve checked its signature (p_signature_error: why it failed, null when it verified): filtered_out with the reason, unprocessed awaiting classification (free text), or answered: matched, late or duplicate. Returns its status, reason, interaction and what the interaction made of it; OR046 for an unknown id.';

revoke all on function orchable_rpc.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.match_hil_response(uuid, text) to orchable_serve, service_role;
grant execute on function public.match_hil_response(uuid, text) to orchable_serve, service_role;
