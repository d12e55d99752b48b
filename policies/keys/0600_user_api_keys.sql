alter table public.user_api_keys enable row level security;

-- No API role may read api_key_encrypted, not even the owner or service_role: every
-- column but that one is granted by name. Rows are created by add_api_key only.
revoke all on table public.user_api_keys from anon, authenticated, service_role, orchable_worker;
grant select (
    id, owner_id, provider, key_name, key_prefix, is_active, priority, model_preference, created_at, updated_at
) on table public.user_api_keys to authenticated, service_role;
grant update (key_name, is_active, priority, model_preference) on table public.user_api_keys
to authenticated, service_role;
grant delete on table public.user_api_keys to authenticated, service_role;

create policy "Owners can read their own keys"
on public.user_api_keys
for select
to authenticated
using ((select auth.uid()) = owner_id);

create policy "Owners can update their own keys"
on public.user_api_keys
for update
to authenticated
using ((select auth.uid()) = owner_id)
with check ((select auth.uid()) = owner_id);

create policy "Owners can delete their own keys"
on public.user_api_keys
for delete
to authenticated
using ((select auth.uid()) = owner_id);
