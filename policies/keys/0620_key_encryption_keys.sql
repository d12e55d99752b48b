-- No policy: with row-level security on, every role but the owner (and BYPASSRLS roles,
-- which also lack privileges here) sees no row. Nothing is granted to anyone.
alter table orchable.key_encryption_keys enable row level security;

revoke all on table orchable.key_encryption_keys from public, anon, authenticated, service_role, orchable_worker;
