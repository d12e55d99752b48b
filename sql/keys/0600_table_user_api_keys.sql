create table public.user_api_keys (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    provider text not null,
    key_name text not null,
    api_key_encrypted text not null,
    key_prefix text not null,
    is_active boolean not null default true,
    priority integer not null default 0,
    model_preference text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Lets api_key_health carry owner_id with a foreign key that keeps it equal to ours.
    constraint user_api_keys_id_owner_id_key unique (id, owner_id),
    constraint user_api_keys_provider_is_slug check (provider ~ '^[a-z][a-z0-9_.-]*$'),
    constraint user_api_keys_key_name_not_blank check (btrim(key_name) <> ''),
    -- '<key-encryption key id>:<base64 PGP message>': a plain key can never be stored here.
    constraint user_api_keys_api_key_encrypted_is_ciphertext check (
        api_key_encrypted ~ '^[0-9]+:[A-Za-z0-9+/]+={0,2}$'
    ),
    constraint user_api_keys_model_preference_not_blank check (btrim(model_preference) <> '')
);

-- acquire_api_key: an owner's usable keys for one provider, best priority first.
create index user_api_keys_owner_id_provider_priority_idx
on public.user_api_keys (owner_id, provider, priority desc)
where is_active;
-- An owner's list of keys.
create index user_api_keys_owner_id_created_at_idx on public.user_api_keys (owner_id, created_at desc);

comment on table public.user_api_keys is
'LLM provider API keys of a user, encrypted at rest; the worker gets one in clear only from acquire_api_key.';
comment on column public.user_api_keys.id is 'The key''s id; acquire_api_key returns it as api_key_id, report_api_key_result takes it.';
comment on column public.user_api_keys.owner_id is 'The user who owns the key; only their batches use it.';
comment on column public.user_api_keys.provider is 'The LLM provider the key is for, lower case (gemini, openai, ...).';
comment on column public.user_api_keys.key_name is 'A name for the key, shown to its owner.';
comment on column public.user_api_keys.api_key_encrypted is
'Ciphertext only: <key-encryption key id>:<base64 pgp_sym_encrypt message>. Not granted to any API role.';
comment on column public.user_api_keys.key_prefix is
'A masked form of the key for display (first 4 and last 4 characters of a key of 20 or more).';
comment on column public.user_api_keys.is_active is
'Whether the worker may use the key; report_api_key_result turns it off on an invalid key or too many failures.';
comment on column public.user_api_keys.priority is 'Higher is tried first by acquire_api_key.';
comment on column public.user_api_keys.model_preference is
'The model this key is meant for; acquire_api_key prefers it (or a key with none) for that model.';
comment on column public.user_api_keys.created_at is 'When add_api_key stored the key.';
comment on column public.user_api_keys.updated_at is 'When add_api_key or report_api_key_result last changed the row.';
