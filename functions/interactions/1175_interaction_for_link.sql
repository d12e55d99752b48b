-- SECURITY DEFINER: orchable serve has no table privileges. What an email answer link
-- shows (GET /answer/{token}): the question, the output it is about and its state. It
-- changes nothing, so a mail scanner that fetches the link answers nothing. An unknown
-- token and an expired link raise the same error (OR044), telling nothing else.
create function orchable_rpc.interaction_for_link(p_token text)
returns table (
    interaction_id uuid,
    interaction_type text,
    status text,
    outcome text,
    priority text,
    request_data jsonb,
    timeout_at timestamptz,
    expires_at timestamptz,
    recipient text
)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select
        i.id, i.interaction_type, i.status, i.outcome, i.priority, i.request_data, i.timeout_at, l.expires_at,
        l.recipient
    from public.interaction_links as l
    join public.human_interactions as i on i.id = l.interaction_id
    where l.token_hash = extensions.digest(coalesce(p_token, ''), 'sha256') and l.expires_at > now();
    if not found then
        raise exception 'this link is unknown or has expired'
            using errcode = 'OR044', hint = 'answer from the latest email, or in the app';
    end if;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.interaction_for_link(p_token text)
returns table (
    interaction_id uuid,
    interaction_type text,
    status text,
    outcome text,
    priority text,
    request_data jsonb,
    timeout_at timestamptz,
    expires_at timestamptz,
    recipient text
)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.interaction_for_link(p_token);
end
$$;

comment on function orchable_rpc.interaction_for_link(text) is
'The implementation of public.interaction_for_link, run with its owner''s rights; callable by the roles that may call public.interaction_for_link.';

comment on function public.interaction_for_link(text) is
'orchable serve only. What an email answer link shows: its interaction''s question (request_data), type, state and priority, when it times out, when the link expires and whom it was sent to. Changes nothing. OR044 for a token that is unknown or expired, alike.';

revoke all on function orchable_rpc.interaction_for_link(text) from public, anon, authenticated, service_role;
revoke all on function public.interaction_for_link(text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.interaction_for_link(text) to orchable_serve, service_role;
grant execute on function public.interaction_for_link(text) to orchable_serve, service_role;
