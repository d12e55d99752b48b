"""`orchable access-keys create NAME --scope console` makes a key with the console scope
(and only it), which names its owner when the console signs in with it."""

from __future__ import annotations

from support.cli import ok, printed, run


def test_access_keys_create_with_the_console_scope_makes_a_key_that_signs_in(
    database, admin, owner
):
    created = ok(
        run(database, "access-keys", "create", "wall", "--scope", "console", "--owner", str(owner))
    )
    key = printed(created, "key")
    assert "sign in to the console" in created and "--webhook-key" not in created

    row = admin.execute(
        "select scopes from public.access_keys where owner_id = %s", (owner,)
    ).fetchone()
    assert row["scopes"] == ["console"]
    signed_in = admin.execute(
        "select user_id from public.sign_in_with_access_key(%s)", (key,)
    ).fetchone()
    assert signed_in["user_id"] == owner
