-- SECURITY DEFINER: callers may not insert into user_api_keys nor read the key-encryption keys.
create function orchable_rpc.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uid uuid := auth.uid();
    v_owner_id uuid := coalesce(auth.uid(), p_owner_id);
    v_provider text := lower(btrim(p_provider));
    v_api_key text := btrim(p_api_key);
    v_prefix text;
    v_row public.user_api_keys;
begin
    -- An API role without a user (a JWT with no sub) must not choose the owner.
    if v_uid is null and coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        raise exception 'add_api_key needs a signed-in user'
            using errcode = '42501', hint = 'call it with a user''s JWT';
    end if;
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception 'cannot add an API key for another user'
            using errcode = 'OR104',
            detail = 'p_owner_id differs from the signed-in user.',
            hint = 'Leave p_owner_id out: a signed-in user''s keys are their own.';
    end if;
    if v_owner_id is null then
        raise exception 'no owner for the API key'
            using errcode = 'OR103',
            detail = 'There is no signed-in user and p_owner_id is null.',
            hint = 'Call as a signed-in user, or pass p_owner_id.';
    end if;
    if not exists (select from auth.users as u where u.id = v_owner_id) then
        raise exception 'owner % is not a user', v_owner_id
            using errcode = 'OR103',
            detail = 'No row in auth.users has this id.',
            hint = 'Pass the id of an existing user as p_owner_id.';
    end if;
    if v_provider is null or v_provider !~ '^[a-z][a-z0-9_.-]*$' then
        raise exception 'invalid provider %', coalesce(quote_literal(p_provider), 'null')
            using errcode = 'OR100',
            detail = 'A provider is a lower-case name: a letter, then letters, digits, ".", "_" or "-".',
            hint = 'For example gemini or openai.';
    end if;
    if v_api_key is null or v_api_key = '' then
        raise exception 'the API key is empty'
            using errcode = 'OR100',
            detail = 'p_api_key is null or blank.',
            hint = 'Pass the key the provider issued.';
    end if;
    if v_api_key ~ '\s' then
        raise exception 'the API key contains white space'
            using errcode = 'OR100',
            detail = 'Provider keys have no spaces or line breaks; this looks like a paste error.',
            hint = 'Pass the key alone.';
    end if;

    -- Show at most 8 characters, and only of a key long enough to keep 12 hidden.
    v_prefix := case
        when length(v_api_key) >= 20 then left(v_api_key, 4) || '…' || right(v_api_key, 4)
        else '…'
    end;

    insert into public.user_api_keys (
        owner_id, provider, key_name, api_key_encrypted, key_prefix, priority, model_preference
    )
    values (
        v_owner_id,
        v_provider,
        coalesce(nullif(btrim(p_key_name), ''), v_provider || ' ' || v_prefix),
        orchable._encrypt_api_key(v_api_key),
        v_prefix,
        coalesce(p_priority, 0),
        nullif(btrim(p_model_preference), '')
    )
    returning * into v_row;

    insert into public.api_key_health (user_api_key_id, owner_id)
    values (v_row.id, v_row.owner_id);

    -- Never echo the ciphertext (nor, of course, the key).
    v_row.api_key_encrypted := null;
    return v_row;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.add_api_key(
    p_provider text,
    p_api_key text,
    p_key_name text default null,
    p_priority integer default 0,
    p_model_preference text default null,
    p_owner_id uuid default null
)
returns public.user_api_keys
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.add_api_key(p_provider, p_api_key, p_key_name, p_priority, p_model_preference, p_owner_id);
end
$$;

comment on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid) is
'The implementation of public.add_api_key, run with its owner''s rights; callable by the roles that may call public.add_api_key.';

comment on function public.add_api_key(text, text, text, integer, text, uuid) is
'Stores an API key of the signed-in user (or of p_owner_id, for service_role), encrypted.
Returns the new row with api_key_encrypted set to null; key_prefix shows a masked form of the key.
Errors: OR100 invalid provider or empty key, OR103 no owner or unknown owner, OR104 p_owner_id of another user.';
revoke all on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.add_api_key(text, text, text, integer, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_api_key(text, text, text, integer, text, uuid)
to authenticated, service_role;
grant execute on function public.add_api_key(text, text, text, integer, text, uuid) to authenticated, service_role;
