"""An endpoint is named by its id or its name: a name two owners' endpoints share ends
the command in one line naming both ids, and --owner narrows the look-up to that user's."""

from __future__ import annotations

from support.cli import ok, refused, run
from support.users import create_user


def test_an_endpoint_name_two_owners_share_ends_in_one_line_naming_their_ids(
    database, admin, owner
):
    other = create_user(admin)
    for each in (owner, other):
        ok(run(
            database, "endpoints", "add", "me", "--email", "me@example.com", "--owner", str(each)
        ))  # fmt: skip
    ids = {
        r["owner_id"]: r["id"]
        for r in admin.execute("select id, owner_id from public.notification_endpoints")
    }

    shared = refused(run(database, "endpoints", "test", "me"))
    assert "several endpoints are named 'me'" in shared
    assert all(str(i) in shared for i in ids.values()), shared

    ok(run(database, "endpoints", "test", "me", "--owner", str(other)))
    sent = admin.execute("select endpoint_id from public.notification_deliveries").fetchall()
    assert [r["endpoint_id"] for r in sent] == [ids[other]]
