"""`orchable inbox` lists the signed-in person's open questions, oldest first, and no one
else's; `orchable respond ID` shows one with the ways to answer it; an answer that does not
fit is one line with its code; an answer settles it and the task goes on; answering again
is too late; an approval takes an edited output from a file."""

from __future__ import annotations

import json

from psycopg.types.json import Jsonb
from support.cli import ok, refused, row_of, rows, run
from support.users import create_user


def test_inbox_lists_what_waits_for_you_and_respond_answers_it(database, admin, owner, tmp_path):
    def ask(interaction: dict) -> dict:
        return admin.execute(
            "select * from tests.ask(%s, %s)", (owner, Jsonb(interaction))
        ).fetchone()

    pick = ask({"type": "selection", "message": "Which length?", "options": ["short", "long"],
                "answer_key": "length", "priority": "high"})  # fmt: skip
    check = ask({"type": "approval", "message": "Publish this draft?", "timeout": "2 hours"})
    stranger = create_user(admin)

    inbox = ok(run(database, "inbox", "--as", str(owner)))
    assert row_of(inbox, "selection", "high", "Which length?", "draft", str(pick["interaction_id"]))
    assert row_of(inbox, "approval", "normal", "Publish this draft?", "in 1h (reject)")
    ids = [cells[-1] for cells in rows(inbox) if cells[-1].count("-") == 4]
    assert ids == [str(pick["interaction_id"]), str(check["interaction_id"])], inbox
    assert "nothing waits for you" in ok(run(database, "inbox", "--as", str(stranger)))

    shown = ok(run(database, "respond", str(pick["interaction_id"]), "--as", str(owner)))
    assert "Which length?" in shown and "short" in shown and "long" in shown
    assert f"orchable respond {pick['interaction_id']} --choose VALUE" in shown
    hidden = refused(run(database, "respond", str(pick["interaction_id"]), "--as", str(stranger)))
    assert "no open interaction" in hidden

    wrong = refused(run(database, "respond", str(pick["interaction_id"]), "--choose", "medium",
                        "--as", str(owner)))  # fmt: skip
    assert "[OR042]" in wrong, wrong
    chosen = ok(run(database, "respond", str(pick["interaction_id"]), "--choose", "long",
                    "--as", str(owner)))  # fmt: skip
    assert "answered: the interaction is responded" in chosen
    publish = admin.execute(
        "select input_data from public.ai_tasks where parent_task_id = %s", (pick["task_id"],)
    ).fetchone()
    assert publish["input_data"] == {"text": "a draft", "length": "long"}
    late = run(database, "respond", str(pick["interaction_id"]), "--choose", "short",
               "--as", str(owner))  # fmt: skip
    assert late.returncode == 1 and "too late: it was already responded" in late.stdout

    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({"text": "a better draft"}))
    ok(run(database, "respond", str(check["interaction_id"]), "--approve", "--output",
           str(edited), "--as", str(owner)))  # fmt: skip
    task = admin.execute(
        "select status, output_data from public.ai_tasks where id = %s", (check["task_id"],)
    ).fetchone()
    assert (task["status"], task["output_data"]) == ("completed", {"text": "a better draft"})
    assert "nothing waits for you" in ok(run(database, "inbox", "--as", str(owner)))
