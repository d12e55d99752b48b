-- SECURITY DEFINER: orchable serve has no table privileges. Stores an incoming answer as
-- it came, with what serve found of its signature (p_signature_error, null when it
-- verified), in a statement of its own, before anything is decided about it
-- (match_hil_response decides; tick() does for an answer serve stored and never matched),
-- so no answer is lost between the two.
-- Credentials in the headers are dropped here too (serve drops them first). The endpoint
-- must exist and be of the channel's kind, else nothing is stored (OR045).
create function orchable_rpc.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null,
    p_signature_error text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := orchable.time_ordered_uuid();
    v_headers jsonb := coalesce(p_headers, '{}');
    v_bytes bigint := orchable._limit('hil_response_bytes');
    v_problem text;
begin
    v_problem := case
        when p_source_channel is null or p_source_channel not in ('slack', 'webhook') then
            'p_source_channel must be slack or webhook (email answers come through answer_by_link)'
        when p_raw_payload is null then 'p_raw_payload is missing'
        when jsonb_typeof(v_headers) <> 'object' then 'p_headers must be a JSON object'
        when octet_length(p_raw_payload::text) + octet_length(v_headers::text) + coalesce(octet_length(p_free_text), 0) > v_bytes then
            format('the payload is larger than %s bytes', v_bytes)
        when p_response is not null and jsonb_typeof(p_response) <> 'object' then 'p_response must be a JSON object'
        when p_responder_key is not null and length(p_responder_key) > 300 then 'p_responder_key is longer than 300 characters'
    end;
    if v_problem is not null then
        raise exception 'the answer cannot be stored: %', v_problem
            using errcode = 'OR047', detail = format('limit hil_response_bytes = %s', v_bytes),
            hint = 'send one JSON answer of a few kilobytes';
    end if;
    if p_endpoint_id is null or not exists (
        select from public.notification_endpoints as e where e.id = p_endpoint_id and e.kind = p_source_channel
    ) then
        raise exception 'no % endpoint %', p_source_channel, p_endpoint_id
            using errcode = 'OR045', hint = 'answer through the URL of an endpoint that asked you';
    end if;
    insert into public.hil_responses (
        id, source_channel, endpoint_id, raw_payload, headers, interaction_id, responder_key, response, free_text,
        signature_error
    )
    values (
        v_id, p_source_channel, p_endpoint_id, p_raw_payload,
        v_headers - array['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'],
        p_interaction_id, p_responder_key, p_response, p_free_text, left(p_signature_error, 500)
    );
    return v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null,
    p_signature_error text default null
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.receive_hil_response(
        p_source_channel, p_endpoint_id, p_raw_payload, p_headers, p_interaction_id, p_responder_key, p_response,
        p_free_text, p_signature_error
    );
end
$$;

comment on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text) is
'The implementation of public.receive_hil_response, run with its owner''s rights; callable by the roles that may call public.receive_hil_response.';

comment on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text) is
'orchable serve only. Stores an answer that came through a slack or webhook endpoint, as it came (unprocessed), with what serve read from it (the interaction it names, who answered, the structured response or free text, why its signature failed if it did); returns its id, for match_hil_response. OR045 unknown endpoint, OR047 a payload past hil_response_bytes or bad arguments.';

revoke all on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
from public, anon, authenticated, service_role;
revoke all on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
to orchable_serve, service_role;
grant execute on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
to orchable_serve, service_role;
