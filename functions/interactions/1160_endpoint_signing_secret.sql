-- SECURITY DEFINER: secrets are decrypted only inside orchable's own functions. The secret
-- orchable serve checks an incoming answer's signature with: a webhook endpoint's whsec_
-- secret (Standard Webhooks), a Slack endpoint's signing secret. Nothing else is told about
-- an endpoint that does not exist or is of another kind (OR045).
create function orchable_rpc.endpoint_signing_secret(p_endpoint_id uuid, p_kind text)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_encrypted text;
begin
    select case e.kind when 'webhook' then e.secret_encrypted when 'slack' then e.signing_secret_encrypted end
    into v_encrypted
    from public.notification_endpoints as e
    where e.id = p_endpoint_id and e.kind = p_kind and e.kind in ('webhook', 'slack');
    if v_encrypted is null then
        raise exception 'no % endpoint %', p_kind, p_endpoint_id
            using errcode = 'OR045', hint = 'answer through the URL of an endpoint that asked you';
    end if;
    return orchable._decrypt_api_key(v_encrypted);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.endpoint_signing_secret(p_endpoint_id uuid, p_kind text)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.endpoint_signing_secret(p_endpoint_id, p_kind);
end
$$;

comment on function orchable_rpc.endpoint_signing_secret(uuid, text) is
'The implementation of public.endpoint_signing_secret, run with its owner''s rights; callable by the roles that may call public.endpoint_signing_secret.';

comment on function public.endpoint_signing_secret(uuid, text) is
'orchable serve only. The secret an answer through the endpoint is verified with: a webhook endpoint''s whsec_ secret, or a Slack endpoint''s signing secret (p_kind webhook or slack). OR045 when there is no such endpoint of that kind.';

revoke all on function orchable_rpc.endpoint_signing_secret(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.endpoint_signing_secret(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.endpoint_signing_secret(uuid, text) to orchable_serve, service_role;
grant execute on function public.endpoint_signing_secret(uuid, text) to orchable_serve, service_role;
