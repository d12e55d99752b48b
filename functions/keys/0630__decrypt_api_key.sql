-- Decrypts what orchable._encrypt_api_key returned, with the key-encryption key it names.
-- SECURITY INVOKER: only SECURITY DEFINER RPCs owned by the migration owner call it.
create function orchable._decrypt_api_key(p_ciphertext text)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_key_material bytea;
begin
    select kek.key_material into v_key_material
    from orchable.key_encryption_keys as kek
    where kek.id = nullif(split_part(p_ciphertext, ':', 1), '')::integer;
    if not found then
        raise exception 'no key-encryption key for this ciphertext'
            using errcode = 'OR105',
            detail = format('The ciphertext names key-encryption key %s, which does not exist.',
                split_part(p_ciphertext, ':', 1)),
            hint = 'A key-encryption key was deleted while keys still used it; re-add those API keys.';
    end if;
    return extensions.pgp_sym_decrypt(
        decode(split_part(p_ciphertext, ':', 2), 'base64'),
        encode(v_key_material, 'hex')
    );
end
$$;

comment on function orchable._decrypt_api_key(text) is
'Decrypts user_api_keys.api_key_encrypted with the key-encryption key it names.
Private helper of acquire_api_key; nobody is granted execute.';
revoke all on function orchable._decrypt_api_key(text) from public, anon, authenticated, service_role;
