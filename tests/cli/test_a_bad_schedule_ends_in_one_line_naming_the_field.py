"""A schedule the database refuses (OR031) ends `monitor add` and `triggers add` in one
line with the code, the detail that names the field and the hint, and nothing is made."""

from __future__ import annotations

from support.cli import refused, run
from support.pipelines import single_stage


def test_a_bad_schedule_ends_in_one_line_naming_the_field(database, admin, owner):
    def add(schedule: str, timezone: str = "UTC") -> str:
        return refused(run(
            database, "monitor", "add", "watch", "--query", "q?", "--condition", "c",
            "--schedule", schedule, "--timezone", timezone, "--owner", str(owner),
        ))  # fmt: skip

    minute = add("61 * * * *")
    assert "[OR031]" in minute and "(minute: '61' is not a value from 0 to 59)" in minute
    assert "five fields" in minute, minute  # the hint
    fields = add("* * *")
    assert "[OR031]" in fields and "(fields: the expression has 3 fields, not 5)" in fields
    zone = add("0 9 * * *", "Mars/Olympus")
    assert "[OR031]" in zone and "(time zone: Mars/Olympus)" in zone, zone
    never = add("0 9 31 2 *")
    assert "[OR031]" in never and "(day of month:" in never, never

    name = f"bad-{owner}"
    single_stage(admin, owner, name)
    trigger = refused(run(database, "triggers", "add", name, "nightly", "--cron", "0 25 * * *"))
    assert "[OR031]" in trigger and "(hour: '25'" in trigger, trigger

    made = admin.execute(
        "select (select count(*) from public.monitors) + (select count(*) from public.triggers)"
        " as n"
    ).fetchone()
    assert made["n"] == 0
