-- The key-encryption keys (KEK) API keys are encrypted with. Private: no role is granted
-- anything on it; only SECURITY DEFINER functions owned by the migration owner read it.
create table orchable.key_encryption_keys (
    id integer primary key generated always as identity,
    key_material bytea not null default extensions.gen_random_bytes(32),
    created_at timestamptz not null default now(),
    constraint key_encryption_keys_key_material_is_256_bits check (octet_length(key_material) = 32)
);

comment on table orchable.key_encryption_keys is
'Key-encryption keys for user_api_keys.api_key_encrypted; the newest encrypts, each ciphertext names the one it needs.';
comment on column orchable.key_encryption_keys.id is 'Named in every ciphertext (<id>:<message>); the highest id encrypts new keys.';
comment on column orchable.key_encryption_keys.created_at is 'When the key was generated.';
comment on column orchable.key_encryption_keys.key_material is '32 random bytes, generated in the database at migration time.';

-- The first key, generated once when the migration runs.
insert into orchable.key_encryption_keys default values;
