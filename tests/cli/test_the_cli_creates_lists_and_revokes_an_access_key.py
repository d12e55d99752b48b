"""`orchable access-keys create` shows the key once, and only its SHA-256 is kept;
`access-keys list` shows its prefix, never the key; `access-keys revoke NAME` revokes it
at once, after which the name no longer finds it."""

from __future__ import annotations

from support.cli import ok, printed, refused, row_of, run


def test_the_cli_creates_lists_and_revokes_an_access_key(database, admin, owner):
    created = ok(run(database, "access-keys", "create", "crm", "--owner", str(owner)))
    key = printed(created, "key")
    assert "shown once" in created

    row = admin.execute(
        "select *, extensions.digest(%s, 'sha256') = key_hash as matches"
        " from public.access_keys where owner_id = %s",
        (key, owner),
    ).fetchone()
    assert row["matches"], (key, row)
    assert (row["name"], row["key_prefix"], row["scopes"]) == ("crm", key[:12], ["trigger_webhook"])
    assert row["revoked_at"] is None
    assert str(row["id"]) in created

    listed = ok(run(database, "access-keys", "list", "--owner", str(owner)))
    assert row_of(listed, "crm", f"{key[:12]}...", "trigger_webhook", "active", str(row["id"]))
    assert key not in listed

    revoked = ok(run(database, "access-keys", "revoke", "crm", "--owner", str(owner)))
    assert str(row["id"]) in revoked and "revoked" in revoked
    after = admin.execute(
        "select revoked_at from public.access_keys where id = %s", (row["id"],)
    ).fetchone()
    assert after["revoked_at"] is not None
    listed = ok(run(database, "access-keys", "list"))
    assert row_of(listed, "crm", str(row["id"])) and not row_of(listed, "crm", "active"), listed

    gone = refused(run(database, "access-keys", "revoke", "crm"))
    assert "no access key 'crm'" in gone, gone
