-- Internal: only tick(), run as its owner, reads and writes it.
alter table orchable.retention_runs enable row level security;
revoke all on table orchable.retention_runs from public, anon, authenticated, service_role;
