-- SECURITY DEFINER: the worker has no privileges on the key tables, and the plain key is
-- decrypted with a key-encryption key nobody but the owner of this function may read.
-- PL/pgSQL, not SQL: a SQL function with its own search_path is planned anew at every call.
create function public.acquire_api_key(
    p_owner_id uuid,
    p_provider text,
    p_model text default null,
    p_now timestamptz default null
)
returns table (api_key_id uuid, api_key text, key_name text, model_preference text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
    -- The only write is last_used_at, a rotation hint: the commit need not wait for the
    -- disk, so the key's row lock is held for microseconds, not a WAL flush.
    perform set_config('synchronous_commit', 'off', true);
    return query
    with chosen as (
        select h.user_api_key_id
        from public.user_api_keys as k
        inner join public.api_key_health as h on h.user_api_key_id = k.id
        where
            k.owner_id = p_owner_id
            and k.provider = p_provider
            and k.is_active
            and (h.blocked_until is null or h.blocked_until <= coalesce(p_now, now()))
        order by
            -- For a given model: keys meant for it, or for no model in particular, first.
            (p_model is not null and k.model_preference is not null and k.model_preference <> p_model),
            k.priority desc,
            h.last_used_at asc nulls first,
            k.id
        limit 1
        -- Wait for a key another worker is taking rather than skip it: a skipped key
        -- would read as "no usable key" and send the task back to wait for nothing.
        for update of h
    ),

    used as (
        update public.api_key_health as h
        set last_used_at = coalesce(p_now, now()), updated_at = coalesce(p_now, now())
        from chosen
        where h.user_api_key_id = chosen.user_api_key_id
        returning h.user_api_key_id
    )

    select k.id, orchable._decrypt_api_key(k.api_key_encrypted), k.key_name, k.model_preference
    from used
    inner join public.user_api_keys as k on k.id = used.user_api_key_id;
end
$$;

comment on function public.acquire_api_key(uuid, text, text, timestamptz) is
'Hands the worker the healthiest usable key of an owner for a provider, in clear, and marks it used.
Usable: active and not blocked. Order: meant for p_model (or for no model) first, then priority (higher first),
then least recently used. Concurrent callers wait for each other, so none reads a key being taken as none usable.
Returns no row when no key is usable: wait and try again.';
revoke all on function public.acquire_api_key(uuid, text, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.acquire_api_key(uuid, text, text, timestamptz) to orchable_worker, service_role;
