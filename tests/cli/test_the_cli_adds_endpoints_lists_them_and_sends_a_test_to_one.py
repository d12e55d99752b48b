"""`orchable endpoints add` makes a webhook endpoint (its signing secret made and shown
once) and an email endpoint with quiet hours; `endpoints list` shows both, never the
secret; `endpoints test` queues a test notification with one pending delivery, to that
endpoint only; an endpoint the owner does not have is one line."""

from __future__ import annotations

from datetime import time

from support.cli import ok, printed, refused, row_of, run


def test_the_cli_adds_endpoints_lists_them_and_sends_a_test_to_one(database, admin, owner):
    hook = ok(run(
        database, "endpoints", "add", "ops hook", "--webhook", "https://hooks.example.com/in",
        "--owner", str(owner),
    ))  # fmt: skip
    mail = ok(run(
        database, "endpoints", "add", "me", "--email", "me@example.com",
        "--quiet-hours", "22:00-07:00", "--quiet-timezone", "Europe/Berlin",
        "--owner", str(owner),
    ))  # fmt: skip

    endpoints = {
        r["name"]: r
        for r in admin.execute(
            "select * from public.notification_endpoints where owner_id = %s", (owner,)
        ).fetchall()
    }
    webhook, email = endpoints["ops hook"], endpoints["me"]
    assert (webhook["kind"], webhook["url"], webhook["is_active"]) == (
        "webhook", "https://hooks.example.com/in", True
    )  # fmt: skip
    secret = printed(hook, "signing secret")
    assert secret.startswith("whsec_") and webhook["secret_prefix"] == secret[:12]
    assert "shown once" in hook
    assert str(webhook["id"]) in hook
    assert (email["kind"], email["email_address"]) == ("email", "me@example.com")
    assert (email["quiet_hours_start"], email["quiet_hours_end"]) == (time(22), time(7))
    assert email["quiet_hours_timezone"] == "Europe/Berlin"
    assert str(email["id"]) in mail and "whsec_" not in mail

    listed = ok(run(database, "endpoints", "list", "--owner", str(owner)))
    assert row_of(
        listed, "ops hook", "webhook", "https://hooks.example.com/in", "active",
        f"{secret[:12]}...", str(webhook["id"]),
    ), listed  # fmt: skip
    assert row_of(listed, "me", "email", "me@example.com", "22:00-07:00 (Europe/Berlin)"), listed
    assert secret not in listed

    assert admin.execute("select count(*) as n from public.notifications").fetchone()["n"] == 0
    tested = ok(run(database, "endpoints", "test", "ops hook"))
    notification = admin.execute("select * from public.notifications").fetchone()
    deliveries = admin.execute("select * from public.notification_deliveries").fetchall()
    assert (notification["kind"], notification["owner_id"]) == ("endpoint.test", owner)
    assert [(d["notification_id"], d["endpoint_id"], d["status"]) for d in deliveries] == [
        (notification["id"], webhook["id"], "pending")
    ]
    assert str(notification["id"]) in tested and str(deliveries[0]["id"]) in tested
    assert "orchable notifications list" in tested

    unknown = refused(run(database, "endpoints", "test", "nobody's"))
    assert 'no endpoint "nobody\'s"' in unknown, unknown
    twice = refused(run(
        database, "endpoints", "add", "me", "--email", "x@example.com", "--owner", str(owner)
    ))  # fmt: skip
    assert "[OR003]" in twice and "an endpoint named 'me' exists" in twice, twice
