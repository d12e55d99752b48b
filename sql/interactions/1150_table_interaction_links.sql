-- The answer links of interaction emails: one per delivery try (claim_notification_deliveries
-- mints a random token each time it hands an interaction's email to a worker), kept only as
-- the token's SHA-256, so the database never holds a link that works. A link opens a page
-- (interaction_for_link) and answers only by a POST of its form (answer_by_link), so a mail
-- scanner that fetches every link answers nothing; it expires with the interaction.
create table public.interaction_links (
    token_hash bytea primary key,
    interaction_id uuid not null references public.human_interactions (id) on delete cascade,
    delivery_id uuid not null references public.notification_deliveries (id) on delete cascade,
    recipient text not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    constraint interaction_links_token_hash_is_sha256 check (octet_length(token_hash) = 32),
    constraint interaction_links_expires_after_created check (expires_at > created_at)
);

create index interaction_links_interaction_id_idx on public.interaction_links (interaction_id);
create index interaction_links_delivery_id_idx on public.interaction_links (delivery_id);

comment on table public.interaction_links is
'Answer links sent by email: the SHA-256 of each random token (never the token), the interaction it answers, the delivery and address it went to, and when it expires.';
comment on column public.interaction_links.token_hash is 'SHA-256 of the link''s token (32 random bytes, URL-safe base64); the token itself is never stored.';
comment on column public.interaction_links.interaction_id is 'The interaction the link answers.';
comment on column public.interaction_links.delivery_id is 'The email delivery whose try carried it.';
comment on column public.interaction_links.recipient is 'The address it was sent to: the responder (email:<address>) of an answer through it.';
comment on column public.interaction_links.expires_at is 'When it stops working: the interaction''s timeout_at, or interaction_link_days after it was made when the interaction has none.';
comment on column public.interaction_links.created_at is 'When it was made (the delivery''s claim).';

insert into orchable.limits (name, value, description) values
('interaction_link_days', 7, 'days an email answer link works when its interaction has no timeout')
on conflict (name) do nothing;
