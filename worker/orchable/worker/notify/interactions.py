"""What an interaction's notification (interaction.requested, .reminder, .escalated) says
on each channel: the question, the output it is about in short, the options, and where
to answer (an email's link to `orchable serve`, a webhook's answer URL, Slack's buttons).

The payload is the database's (orchable._tell_people): interaction_id, interaction_type,
message, priority, request (its request_data: output, options, input_schema,
allowed_decisions), timeout_at, batch_id, task_id, stage_key, correlation_id. Everything
shown comes from the task's output, which a model wrote: the HTML is escaped, and Slack
text is sent as plain text where it quotes it."""

from __future__ import annotations

import html
import json
from typing import Any

from orchable.db.worker_rpc import ClaimedDelivery

OUTPUT_CHARS = 1500  # of the output, shown in short
SLACK_BUTTONS = 25  # Slack's limit of elements in one actions block
_SLACK_TEXT_CHARS = 2900  # a section's text holds 3,000 characters
_BUTTON_TEXT_CHARS = 75


def request_of(delivery: ClaimedDelivery) -> dict[str, Any]:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    request = payload.get("request")
    return request if isinstance(request, dict) else {}


def message_of(delivery: ClaimedDelivery) -> str:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    message = payload.get("message") or request_of(delivery).get("message")
    return str(message or delivery.subject or "A question for you")


def output_in_short(output: Any, chars: int = OUTPUT_CHARS) -> str:
    """The output as indented JSON, cut at `chars` characters (saying so)."""
    if output is None:
        return ""
    text = json.dumps(output, indent=2, ensure_ascii=False, sort_keys=False)
    if len(text) > chars:
        return text[:chars].rstrip() + "\n... (cut: the whole output is on the answer page)"
    return text


def options_of(delivery: ClaimedDelivery) -> list[tuple[str, str]]:
    """A selection's options as (value, label); the value is what answers it."""
    options = request_of(delivery).get("options")
    if not isinstance(options, list):
        return []
    found: list[tuple[str, str]] = []
    for option in options:
        if isinstance(option, dict) and "value" in option:
            value = option["value"]
            text_value = value if isinstance(value, str) else json.dumps(value)
            found.append((text_value, str(option.get("label") or text_value)))
    return found


def interaction_type_of(delivery: ClaimedDelivery) -> str:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    return str(payload.get("interaction_type") or "approval")


def answer_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/answer/{token}"


def webhook_answer_url(public_url: str, delivery: ClaimedDelivery) -> str:
    return f"{public_url.rstrip('/')}/hooks/endpoints/{delivery.endpoint_id}/answers"


def _how_to_answer(kind: str) -> str:
    return {
        "approval": "Approve it (you may edit the output) or reject it.",
        "review": "Approve or reject it, with a comment and a score if you like.",
        "selection": "Choose one of the options.",
        "input": "Give the input it asks for.",
    }.get(kind, "Answer it.")


def email_text(delivery: ClaimedDelivery, public_url: str) -> str:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    request = request_of(delivery)
    kind = interaction_type_of(delivery)
    lines = [message_of(delivery), "", _how_to_answer(kind)]
    output = output_in_short(request.get("output"))
    if output:
        lines += ["", "The output:", output]
    options = options_of(delivery)
    if options:
        lines += ["", "The options:"] + [f"  - {label} ({value})" for value, label in options]
    lines.append("")
    if delivery.link_token:
        lines += [
            "Answer here (the page shows the question and a form; nothing is answered until"
            " you submit it):",
            answer_link(public_url, delivery.link_token),
        ]
    else:
        lines.append("Answer in the app (orchable inbox).")
    if payload.get("timeout_at"):
        lines.append(f"Answer before {payload['timeout_at']}.")
    lines += [
        "",
        "-- ",
        f"orchable: {delivery.notification_kind}, priority {payload.get('priority', 'normal')}",
        f"{payload.get('correlation_id', '')}",
        "",
    ]
    return "\n".join(lines)


def email_html(delivery: ClaimedDelivery, public_url: str) -> str:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    request = request_of(delivery)
    e = html.escape
    parts = [
        "<!doctype html><html><body>",
        f"<p><strong>{e(message_of(delivery))}</strong></p>",
        f"<p>{e(_how_to_answer(interaction_type_of(delivery)))}</p>",
    ]
    output = output_in_short(request.get("output"))
    if output:
        parts.append(f"<p>The output:</p><pre>{e(output)}</pre>")
    options = options_of(delivery)
    if options:
        items = "".join(f"<li>{e(label)} ({e(value)})</li>" for value, label in options)
        parts.append(f"<p>The options:</p><ul>{items}</ul>")
    if delivery.link_token:
        link = e(answer_link(public_url, delivery.link_token), quote=True)
        parts.append(
            f'<p><a href="{link}">Open the question to answer it</a>'
            " (the page shows a form; nothing is answered until you submit it)</p>"
        )
    else:
        parts.append("<p>Answer in the app (orchable inbox).</p>")
    if payload.get("timeout_at"):
        parts.append(f"<p>Answer before {e(str(payload['timeout_at']))}.</p>")
    parts.append(f"<p><small>{e(str(payload.get('correlation_id', '')))}</small></p>")
    parts.append("</body></html>")
    return "".join(parts)


def webhook_data(delivery: ClaimedDelivery, public_url: str) -> dict[str, Any]:
    """The event's data: the notification's payload, with where and how to answer."""
    payload = dict(delivery.payload) if isinstance(delivery.payload, dict) else {}
    payload["answer_url"] = webhook_answer_url(public_url, delivery)
    payload.setdefault("correlation_id", f"orchable:{payload.get('interaction_id')}")
    return payload


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:_BUTTON_TEXT_CHARS] or " ", "emoji": True}


def _button(text: str, value: dict[str, Any], action_id: str, style: str | None = None) -> Any:
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(text),
        "value": json.dumps(value, separators=(",", ":")),
        "action_id": action_id,
    }
    if style:
        button["style"] = style
    return button


def slack_buttons(delivery: ClaimedDelivery) -> list[dict[str, Any]]:
    """The buttons of an interaction: Approve / Reject, or one per option; none for input
    (answered in the message's thread). Each value names the interaction and the answer."""
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    interaction_id = str(payload.get("interaction_id"))
    kind = interaction_type_of(delivery)
    if kind in ("approval", "review"):
        return [
            _button(
                "Approve",
                {"interaction_id": interaction_id, "decision": "approve"},
                "orchable_approve",
                "primary",
            ),
            _button(
                "Reject",
                {"interaction_id": interaction_id, "decision": "reject"},
                "orchable_reject",
                "danger",
            ),
        ]
    if kind == "selection":
        raw = request_of(delivery).get("options")
        raw = raw if isinstance(raw, list) else []
        options = [o for o in raw if isinstance(o, dict) and "value" in o]
        return [
            _button(
                str(o.get("label") or o["value"]),
                {"interaction_id": interaction_id, "choice": o["value"]},
                f"orchable_choice_{i}",
            )
            for i, o in enumerate(options[:SLACK_BUTTONS])
        ]
    return []


def slack_blocks(delivery: ClaimedDelivery) -> list[dict[str, Any]]:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    request = request_of(delivery)
    kind = interaction_type_of(delivery)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _section_text(message_of(delivery))},
    ]
    output = output_in_short(request.get("output"), _SLACK_TEXT_CHARS - 10)
    if output:
        blocks.append({"type": "section", "text": _section_text(output)})
    buttons = slack_buttons(delivery)
    if buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"orchable:{payload.get('interaction_id')}",
                "elements": buttons,
            }
        )
    elif kind == "input":
        blocks.append(
            {"type": "section", "text": _section_text("Reply in this thread with your answer.")}
        )
    context = f"{payload.get('correlation_id', '')} - priority {payload.get('priority', 'normal')}"
    if payload.get("timeout_at"):
        context += f" - answer before {payload['timeout_at']}"
    blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": context[:150]}]})
    return blocks


def _section_text(text: str) -> dict[str, Any]:
    """A section's text as plain text: what a model wrote is shown, never interpreted."""
    return {"type": "plain_text", "text": text[:_SLACK_TEXT_CHARS] or " ", "emoji": False}
