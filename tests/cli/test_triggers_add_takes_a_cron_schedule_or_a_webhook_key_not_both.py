"""`orchable triggers add` takes --cron or --webhook-key, exactly one; a key name the
pipeline's owner has no unrevoked key by is one line, and nothing is added."""

from __future__ import annotations

from support.cli import ok, refused, run, said
from support.pipelines import single_stage
from support.users import create_user


def test_triggers_add_takes_a_cron_schedule_or_a_webhook_key_not_both(database, admin, owner):
    pipeline = f"digest-{owner}"
    single_stage(admin, owner, pipeline)
    ok(run(database, "access-keys", "create", "crm", "--owner", str(owner)))
    ok(run(database, "access-keys", "create", "theirs", "--owner", str(create_user(admin))))

    both = run(
        database, "triggers", "add", pipeline, "t", "--cron", "@daily", "--webhook-key", "crm"
    )
    assert both.returncode == 2 and "not allowed with argument" in said(both), said(both)
    neither = run(database, "triggers", "add", pipeline, "t")
    assert neither.returncode == 2 and "one of the arguments" in said(neither), said(neither)

    # Another owner's key is not looked up: a key binds its owner's pipelines only.
    other = refused(run(database, "triggers", "add", pipeline, "t", "--webhook-key", "theirs"))
    assert "no access key 'theirs'" in other, other
    assert admin.execute("select count(*) as n from public.triggers").fetchone()["n"] == 0
