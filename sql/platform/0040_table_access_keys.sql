create table public.access_keys (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    key_prefix text not null,
    key_hash bytea not null,
    scopes text[] not null default '{trigger_webhook}',
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint access_keys_key_hash_key unique (key_hash),
    constraint access_keys_name_bounded check (length(btrim(name)) between 1 and 200),
    constraint access_keys_key_hash_is_sha256 check (length(key_hash) = 32),
    constraint access_keys_scopes_known check (scopes <@ array['trigger_webhook', 'console'])
);

create index access_keys_owner_id_idx on public.access_keys (owner_id);

comment on table public.access_keys is
'Keys a user hands to other systems (Torale''s and the 24/7 seed''s API keys): shown once by create_access_key, kept only as a SHA-256 hash and a display prefix, revoked with revoke_access_key.';
comment on column public.access_keys.id is 'The key''s id.';
comment on column public.access_keys.owner_id is 'The user it acts for.';
comment on column public.access_keys.name is 'What the owner calls it.';
comment on column public.access_keys.key_prefix is 'The first characters of the key, to tell keys apart; never enough to use it.';
comment on column public.access_keys.key_hash is 'SHA-256 of the key; the key itself is never stored.';
comment on column public.access_keys.scopes is 'What the key may do: trigger_webhook (launch the webhook trigger it is bound to), console (sign in to the console of orchable serve, and its API, as the owner).';
comment on column public.access_keys.created_at is 'When it was made.';
comment on column public.access_keys.last_used_at is 'When it was last used.';
comment on column public.access_keys.revoked_at is 'When it was revoked; a revoked key is refused as an unknown one is.';
