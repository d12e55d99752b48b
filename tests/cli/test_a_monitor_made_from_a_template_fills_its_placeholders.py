"""`orchable templates` lists a template with its placeholders; `monitor add --template
NAME --value key=value ...` makes a monitor with them filled in and the template's
schedule and behaviour; a placeholder without a value is one line naming it (OR032)."""

from __future__ import annotations

import json

from support.cli import ok, refused, row_of, run


def test_a_monitor_made_from_a_template_fills_its_placeholders(database, admin, owner):
    template = admin.execute(
        "insert into public.monitor_templates (name, description, category, search_query,"
        " condition_description, schedule, notify_behavior, config)"
        " values (%s, 'Stock at a shop.', 'cli_test', 'Can I buy {item} at {shop}?',"
        " '{item} is on sale at {shop}', '30 7 * * *', 'track_state', %s) returning id",
        (f"cli stock {owner}", json.dumps({"model": "gemini-2.5-flash"})),
    ).fetchone()["id"]

    listed = ok(run(database, "templates"))
    assert row_of(listed, f"cli stock {owner}", "cli_test", "item, shop", "30 7 * * *"), listed
    assert row_of(listed, "Price drop", "product, store"), listed  # the deployed ones too

    missing = refused(run(
        database, "monitor", "add", "--template", f"cli stock {owner}",
        "--value", "item=kettle", "--owner", str(owner),
    ))  # fmt: skip
    assert "[OR032]" in missing and "{shop}" in missing, missing

    added = ok(run(
        database, "monitor", "add", "kettle", "--template", str(template),
        "--value", "item=kettle", "--value", "shop=Corner Shop", "--timezone", "Asia/Tokyo",
        "--owner", str(owner),
    ))  # fmt: skip
    row = admin.execute("select * from public.monitors where owner_id = %s", (owner,)).fetchone()
    assert row["search_query"] == "Can I buy kettle at Corner Shop?"
    assert row["condition_description"] == "kettle is on sale at Corner Shop"
    assert (row["name"], row["template_id"], row["timezone"]) == ("kettle", template, "Asia/Tokyo")
    assert (row["schedule"], row["notify_behavior"]) == ("30 7 * * *", "track_state")
    assert row["config"] == {"model": "gemini-2.5-flash"}
    assert str(row["id"]) in added and "(Asia/Tokyo)" in added
