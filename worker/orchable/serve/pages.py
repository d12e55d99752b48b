"""The HTML pages of email answer links: the question with its form, and what became of an
answer. Every value shown is escaped (the output was written by a model), the pages carry
no JavaScript and forbid any (Content-Security-Policy), and the form posts to the page's
own URL: only that POST answers, so a mail scanner that fetches the link (and runs its
scripts) answers nothing."""

from __future__ import annotations

import html
import json
from typing import Any

from orchable.db.serve_rpc import LinkedInteraction, Matched

# No script, no frame, no other origin; the form posts to this page only.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
    "pre{background:#f4f4f4;padding:1rem;overflow:auto;white-space:pre-wrap}"
    "textarea{width:100%;font-family:monospace}label{display:block;margin:.4rem 0}"
    "button{font-size:1rem;padding:.4rem 1.2rem;margin-top:1rem}"
)

e = html.escape


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<meta name=robots content="noindex, nofollow">'
        f"<title>{e(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def unknown_link() -> str:
    return page(
        "Unknown or expired link",
        "<h1>This link is unknown or has expired</h1>"
        "<p>Answer from the latest email about it, or in the app.</p>",
    )


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def options(request: dict[str, Any]) -> list[dict[str, Any]]:
    found = request.get("options")
    if not isinstance(found, list):
        return []
    return [o for o in found if isinstance(o, dict) and "value" in o]


def question(item: LinkedInteraction) -> str:
    """The question's page: the message, the output, and the form while it is pending."""
    request = item.request_data
    message = str(request.get("message") or "A question for you")
    parts = [f"<h1>{e(message)}</h1>"]
    if item.timeout_at is not None and item.status == "pending":
        parts.append(f"<p>Answer before {e(item.timeout_at.isoformat(timespec='minutes'))}.</p>")
    if request.get("output") is not None:
        parts.append(f"<h2>The output</h2><pre>{e(_json(request['output']))}</pre>")
    if item.status != "pending":
        closed = "answered" if item.status == "responded" else item.status
        parts.append(
            f"<p><strong>This question is closed ({e(closed)}"
            f"{', ' + e(item.outcome) if item.outcome else ''}).</strong></p>"
        )
        return page(message, "".join(parts))
    parts.append(f'<form method="post"><h2>Your answer</h2>{_fields(item)}')
    parts.append(
        f"<p><small>Answering as {e(item.recipient)}.</small></p>"
        "<button type=submit>Send the answer</button></form>"
    )
    return page(message, "".join(parts))


def _fields(item: LinkedInteraction) -> str:
    request = item.request_data
    kind = item.interaction_type
    if kind == "selection":
        radios = "".join(
            f'<label><input type=radio name=choice value="{i}" required> '
            f"{e(str(o.get('label') or o['value']))}</label>"
            for i, o in enumerate(options(request))
        )
        return radios
    if kind == "input":
        schema = request.get("input_schema")
        shown = f"<pre>{e(_json(schema))}</pre>" if schema is not None else ""
        return (
            f"<p>JSON that fits this schema (plain text is taken as a string):</p>{shown}"
            "<textarea name=answer rows=8 required></textarea>"
        )
    decisions = (
        "<label><input type=radio name=decision value=approve required> Approve</label>"
        "<label><input type=radio name=decision value=reject> Reject</label>"
    )
    if kind == "review":
        return (
            decisions
            + "<label>Comment (a rejection needs one)<textarea name=comment rows=3></textarea>"
            "</label><label>Score <input type=number name=score step=any></label>"
        )
    edited = ""
    if request.get("output") is not None:
        edited = (
            "<label>The output, to approve with your edits (JSON)"
            f"<textarea name=output rows=10>{e(_json(request['output']))}</textarea></label>"
        )
    return (
        decisions
        + "<label>Why (a rejection needs a reason)<textarea name=reason rows=3></textarea></label>"
        + edited
    )


def outcome(result: Matched) -> tuple[int, str]:
    """The page after a submitted answer, and its HTTP status."""
    if result.status == "matched":
        more = (
            " Other approvals are still needed before it goes on."
            if result.answer_outcome == "counted"
            else ""
        )
        return 200, page("Answered", f"<h1>Thank you: your answer was recorded</h1><p>{more}</p>")
    if result.status == "duplicate":
        return 200, page(
            "Already answered",
            "<h1>You had already answered</h1><p>Your first answer stands.</p>",
        )
    if result.status == "late":
        return 409, page(
            "Too late",
            f"<h1>Too late</h1><p>The question was closed before your answer came"
            f" ({e(result.reason or '')}). It is recorded, but it changes nothing.</p>",
        )
    return 422, page(
        "Not answered",
        f"<h1>Your answer was not taken</h1><p>{e(result.reason or result.status)}</p>"
        "<p>Go back and correct it.</p>",
    )


def bad_form(reason: str) -> str:
    return page("Not answered", f"<h1>Your answer was not taken</h1><p>{e(reason)}</p>")
