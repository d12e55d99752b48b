-- SECURITY DEFINER: orchable serve has no table privileges. Answers an interaction through
-- an email link's form (POST /answer/{token}): stores the answer (hil_responses, source
-- email, responder email:<recipient>; never the token) and matches it at once, in one
-- transaction. A link past its expiry is kept as late and answers nothing, even when its
-- interaction (one with no timeout) is still pending. An unknown token stores nothing
-- (OR044).
create function orchable_rpc.answer_by_link(p_token text, p_response jsonb, p_headers jsonb default '{}')
returns table (response_id uuid, status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_link public.interaction_links;
    v_delivery public.notification_deliveries;
    v_id uuid := orchable.time_ordered_uuid();
    v_headers jsonb := coalesce(p_headers, '{}');
    v_bytes bigint := orchable._limit('hil_response_bytes');
begin
    select * into v_link from public.interaction_links as l
    where l.token_hash = extensions.digest(coalesce(p_token, ''), 'sha256');
    if not found then
        raise exception 'this link is unknown or has expired'
            using errcode = 'OR044', hint = 'answer from the latest email, or in the app';
    end if;
    if jsonb_typeof(p_response) is distinct from 'object' or jsonb_typeof(v_headers) <> 'object'
        or octet_length(p_response::text) + octet_length(v_headers::text) > v_bytes then
        raise exception 'the answer cannot be stored: it must be a JSON object of at most % bytes', v_bytes
            using errcode = 'OR047', detail = format('limit hil_response_bytes = %s', v_bytes),
            hint = 'send the form as the page shows it';
    end if;
    select * into v_delivery from public.notification_deliveries as d where d.id = v_link.delivery_id;
    insert into public.hil_responses (
        id, source_channel, endpoint_id, raw_payload, headers, interaction_id, responder_key, response
    )
    values (
        v_id, 'email', v_delivery.endpoint_id, jsonb_build_object('response', p_response),
        v_headers - array['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'],
        v_link.interaction_id, 'email:' || v_link.recipient, p_response
    );
    if v_link.expires_at <= now() then
        update public.hil_responses as r
        set
            status = 'late',
            reason = format('the link expired at %s', v_link.expires_at),
            owner_id = v_delivery.owner_id,
            matched_interaction_id = v_link.interaction_id,
            processed_at = now()
        where r.id = v_id;
    else
        perform orchable._match_hil_response(v_id, null);
    end if;
    return query
    select r.id, r.status, r.reason, coalesce(r.matched_interaction_id, r.interaction_id), r.answer_outcome
    from public.hil_responses as r where r.id = v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.answer_by_link(p_token text, p_response jsonb, p_headers jsonb default '{}')
returns table (response_id uuid, status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.answer_by_link(p_token, p_response, p_headers);
end
$$;

comment on function orchable_rpc.answer_by_link(text, jsonb, jsonb) is
'The implementation of public.answer_by_link, run with its owner''s rights; callable by the roles that may call public.answer_by_link.';

comment on function public.answer_by_link(text, jsonb, jsonb) is
'orchable serve only. Answers through an email link''s form: stores the answer (responder email:<recipient>) and matches it in one call; returns the hil_responses id, its status (matched, late, duplicate, filtered_out) and reason, the interaction and what it made of the answer. An expired link is kept as late and answers nothing. OR044 unknown token (nothing stored), OR047 a response that is not a small JSON object.';

revoke all on function orchable_rpc.answer_by_link(text, jsonb, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.answer_by_link(text, jsonb, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.answer_by_link(text, jsonb, jsonb) to orchable_serve, service_role;
grant execute on function public.answer_by_link(text, jsonb, jsonb) to orchable_serve, service_role;
