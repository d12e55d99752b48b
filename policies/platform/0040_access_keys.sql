alter table public.access_keys enable row level security;
-- Keys are made (create_access_key) and revoked (revoke_access_key) through RPCs; no API
-- role reads key_hash: every other column is granted by name.
revoke all on table public.access_keys from anon, authenticated, service_role;
grant select (id, owner_id, name, key_prefix, scopes, created_at, last_used_at, revoked_at)
on table public.access_keys to authenticated, service_role;
grant delete on table public.access_keys to authenticated, service_role;

create policy "Owners can read their own access keys"
on public.access_keys for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own access keys"
on public.access_keys for delete to authenticated
using (owner_id = (select auth.uid()));
