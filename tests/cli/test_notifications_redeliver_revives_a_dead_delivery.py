"""`orchable notifications list` shows each notification with its deliveries (status,
tries, last error); `notifications redeliver` puts a dead delivery back to pending with
its tries counted afresh, and a delivery that is not dead is one line with the code."""

from __future__ import annotations

from support.cli import ok, refused, row_of, run


def test_notifications_redeliver_revives_a_dead_delivery(database, admin, owner):
    ok(run(
        database, "endpoints", "add", "ops hook", "--webhook", "https://hooks.example.com/in",
        "--owner", str(owner),
    ))  # fmt: skip
    ok(run(database, "endpoints", "test", "ops hook"))
    delivery = admin.execute(
        "update public.notification_deliveries set status = 'dead', attempts = 10,"
        " last_status_code = 503, last_error = 'the receiver answered 503'"
        " returning *"
    ).fetchone()

    listed = ok(run(database, "notifications", "list", "--owner", str(owner)))
    assert row_of(
        listed, "endpoint.test", "orchable: a test of ops hook", "ops hook", "dead", "10",
        "HTTP 503 the receiver answered 503", str(delivery["id"]),
    ), listed  # fmt: skip

    revived = ok(run(database, "notifications", "redeliver", str(delivery["id"])))
    assert str(delivery["id"]) in revived and "pending" in revived, revived
    after = admin.execute(
        "select status, attempts, next_attempt_at <= now() as due"
        " from public.notification_deliveries where id = %s",
        (delivery["id"],),
    ).fetchone()
    assert after == {"status": "pending", "attempts": 0, "due": True}

    again = refused(run(database, "notifications", "redeliver", str(delivery["id"])))
    assert "is pending, not dead [OR007]" in again, again
    listed = ok(run(database, "notifications", "list", "--limit", "1"))
    assert row_of(listed, "ops hook", "pending", "0", str(delivery["id"])), listed
