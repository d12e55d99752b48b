"""An email answer page asks what its interaction asks: a selection's options as choices
(the form names the chosen one), an input as JSON that must fit its schema. A form that
does not fit is refused saying why (a choice that is not one of the options, an answer
against the schema) and answers nothing; one that fits answers."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.types.json import Jsonb
from support.serve import add_endpoint, interaction_of, responses

SELECTION = {
    "type": "selection",
    "message": "Which title?",
    "options": [{"value": "short", "label": "Cats"}, {"value": "long", "label": "All about cats"}],
    "channels": ["email"],
    "timeout": "1 hour",
}
INPUT = {
    "type": "input",
    "message": "For whom?",
    "input_schema": {
        "type": "object",
        "properties": {"audience": {"type": "string"}},
        "required": ["audience"],
    },
    "channels": ["email"],
    "timeout": "1 hour",
}


def ask_by_email(admin, owner, interaction: dict[str, Any]) -> tuple[dict[str, Any], str]:
    add_endpoint(admin, owner, "email", "mail", p_email_address="ann@example.test")
    asked = admin.execute("select * from tests.ask(%s, %s)", (owner, Jsonb(interaction))).fetchone()
    token = admin.execute(
        "select tests.link_token(%s, 'ann@example.test') as token", (asked["interaction_id"],)
    ).fetchone()["token"]
    assert token is not None
    return asked, token


@pytest.mark.parametrize(
    ("interaction", "shown", "wrong", "why", "right", "answer"),
    [
        (
            SELECTION,
            ['value="0" required> Cats', 'value="1" required> All about cats'],
            {"choice": "7"},
            "Choose one of the options.",
            {"choice": "1"},
            {"choice": "long"},
        ),
        (
            INPUT,
            ["&quot;audience&quot;", "<textarea name=answer"],
            {"answer": '{"readers": "kids"}'},
            "the answer does not fit",
            {"answer": '{"audience": "kids"}'},
            {"answer": {"audience": "kids"}},
        ),
    ],
    ids=["selection", "input"],
)
def test_an_email_form_answers_a_selection_and_an_input_as_the_page_asks(
    admin, owner, serve, http, interaction, shown, wrong, why, right, answer
):
    asked, token = ask_by_email(admin, owner, interaction)
    link = f"{serve.url}/answer/{token}"

    page = http.get(link)
    assert page.status_code == 200
    for fragment in shown:
        assert fragment in page.text, page.text

    refused = http.post(link, data=wrong)
    assert refused.status_code == 422, refused.text
    assert why in refused.text
    assert interaction_of(admin, asked["batch_id"])["status"] == "pending"

    taken = http.post(link, data=right)
    assert taken.status_code == 200, taken.text
    assert interaction_of(admin, asked["batch_id"])["status"] == "responded"
    stored = [r for r in responses(admin) if r["status"] == "matched"]
    assert [r["response"] for r in stored] == [answer]
