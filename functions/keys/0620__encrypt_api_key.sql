-- Encrypts an API key with the newest key-encryption key. Returns
-- '<key-encryption key id>:<base64 PGP message>' (AES-256, integrity-checked by the PGP MDC).
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create function orchable._encrypt_api_key(p_plaintext text)
returns text
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_kek orchable.key_encryption_keys;
begin
    select kek.* into v_kek
    from orchable.key_encryption_keys as kek
    order by kek.id desc
    limit 1;
    if not found then
        raise exception 'no key-encryption key'
            using errcode = 'OR105',
            detail = 'orchable.key_encryption_keys is empty.',
            hint = 'Insert one: insert into orchable.key_encryption_keys default values;';
    end if;
    -- The passphrase is 256 random bits, so S2K stretching (mode 3) would only cost time
    -- at every acquire: salted S2K (mode 1) is enough. No compression: nothing to gain.
    return v_kek.id::text || ':' || replace(
        encode(
            extensions.pgp_sym_encrypt(
                p_plaintext,
                encode(v_kek.key_material, 'hex'),
                'cipher-algo=aes256, compress-algo=0, s2k-mode=1, s2k-digest-algo=sha256'
            ),
            'base64'
        ),
        e'\n', ''
    );
end
$$;

comment on function orchable._encrypt_api_key(text) is
'Encrypts an API key with the newest key-encryption key: <kek id>:<base64 pgp_sym_encrypt message>.
Private helper of add_api_key; nobody is granted execute.';
revoke all on function orchable._encrypt_api_key(text) from public, anon, authenticated, service_role;
