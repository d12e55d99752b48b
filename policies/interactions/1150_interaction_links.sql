alter table public.interaction_links enable row level security;
-- Links are made by claim_notification_deliveries and read by the serve RPCs only: a
-- token's hash is of no use to anyone, and nobody reads or writes them directly.
revoke all on table public.interaction_links from anon, authenticated, service_role;
