"""`orchable serve`: the HTTP server for what PostgREST cannot do (Starlette on uvicorn).

- `GET /answer/{token}`: an email link's page (the question, the output, a form); `HEAD`
  answers 200 and does nothing; `POST /answer/{token}` (the form) answers.
- `POST /hooks/endpoints/{endpoint_id}/answers`: a webhook's answer, signed as Standard
  Webhooks sign (the endpoint's secret, the library's five minutes of tolerance).
- `POST /hooks/slack/{endpoint_id}`: Slack's interactivity (a button pressed) and Events
  API (a reply in a message's thread), verified with the app's signing secret
  (`v0:timestamp:body`, five minutes).
- `POST /hooks/trigger`: trigger_webhook, the access key (which names its trigger) in
  `Authorization: Bearer`, the JSON body as its payload (for deployments without
  PostgREST).
- `GET /healthz`.
- The web console: `/`, `/assets/...`, `/api/...` (orchable.console).

Every answer's signature is checked here, in constant time by the libraries, then the
answer is stored as it came with that verdict, in a statement of its own
(receive_hil_response), and the database matches it (match_hil_response; tick() matches
one serve stored and never matched): a bad or stale signature is kept as filtered_out with
the reason and answered 401. Slack is acknowledged as soon as its request is stored and
checked, and matched after the answer has gone (a background task), so a busy interaction
never keeps Slack past its three seconds. A webhook's answer is matched before serve
answers, so its sender learns what became of it: 200 matched, 202 free text kept for
classification, 409 late or a duplicate, 422 filtered out (an unknown interaction, an
answer that does not fit), with the reason. Bodies are bounded (`max_body_bytes`: 413).
Tokens, secrets and bodies are never logged; uvicorn's access log (which would show link
tokens in paths) is off, and serve logs its own events instead."""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import psycopg
from psycopg_pool import AsyncConnectionPool
from slack_sdk.signature import SignatureVerifier
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from orchable.console import ConsoleSettings, console_routes
from orchable.db import serve_rpc as rpc
from orchable.db.serve_rpc import LinkedInteraction, Matched, sqlstate_of
from orchable.db.worker_rpc import create_pool
from orchable.logs import log_event
from orchable.serve import pages
from orchable.settings import ServeSettings

log = logging.getLogger("orchable.serve")

# Never stored with an answer: credentials (serve never needs them kept).
_DROPPED_HEADERS = frozenset(
    {"authorization", "cookie", "proxy-authorization", "x-api-key", "set-cookie"}
)
_MAX_HEADER_CHARS = 2000
# A webhook answer's HTTP status, by what became of it (a bad signature is 401).
_STATUS_OF = {
    "matched": 200,
    "unprocessed": 202,  # free text, kept for classification
    "late": 409,
    "duplicate": 409,
    "filtered_out": 422,
    "error": 500,
}


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refusing (BodyTooLarge) one over `limit` bytes before reading it
    all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def kept_headers(request: Request) -> dict[str, str]:
    """The headers stored with an answer: every one but credentials, names lowercased."""
    return {
        name.lower(): value[:_MAX_HEADER_CHARS]
        for name, value in request.headers.items()
        if name.lower() not in _DROPPED_HEADERS
    }


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return uuid.UUID(value.removeprefix("orchable:"))
    return None


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _as_payload(parsed: Any, body: bytes) -> Any:
    """What is stored as the raw payload: the JSON as sent, or the body as text."""
    if parsed is not None:
        return parsed
    return {"body": body.decode("utf-8", errors="replace")}


class Serve:
    """The routes, over one connection pool (opened by the app's lifespan unless given)."""

    def __init__(
        self,
        settings: ServeSettings,
        pool: AsyncConnectionPool | None = None,
        console: ConsoleSettings | None = None,
    ) -> None:
        self.settings = settings
        self.console = console
        self._own_pool = pool is None
        self.pool = pool or create_pool(
            settings.database_url,
            min_size=1,
            max_size=settings.pool_max_size,
            name="orchable-serve",
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self._own_pool:
            await self.pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            if self._own_pool:
                await self.pool.close()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/healthz", self.healthz, methods=["GET"]),
                Route("/answer/{token}", self.answer_page, methods=["GET", "HEAD"]),
                Route("/answer/{token}", self.answer_form, methods=["POST"]),
                Route(
                    "/hooks/endpoints/{endpoint_id}/answers", self.webhook_answer, methods=["POST"]
                ),
                Route("/hooks/slack/{endpoint_id}", self.slack, methods=["POST"]),
                Route("/hooks/trigger", self.trigger, methods=["POST"]),
                *(console_routes(self.pool, self.console) if self.console else []),
            ],
            lifespan=self.lifespan,
        )

    async def _db(self, call: Callable[[psycopg.AsyncConnection], Awaitable[Any]]) -> Any:
        async with self.pool.connection() as conn:
            return await call(conn)

    # --- health

    async def healthz(self, request: Request) -> Response:
        try:
            await self._db(rpc.ping)
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log_event(log, logging.WARNING, "healthz_failed", error=type(exc).__name__)
            return JSONResponse({"ok": False}, status_code=503)
        return JSONResponse({"ok": True})

    # --- email links

    async def answer_page(self, request: Request) -> Response:
        if request.method == "HEAD":  # a scanner's or a preview's probe: nothing happens
            return Response(status_code=200, media_type="text/html", headers=pages.HEADERS)
        token = request.path_params["token"]
        try:
            item: LinkedInteraction = await self._db(
                lambda conn: rpc.interaction_for_link(conn, token)
            )
        except psycopg.Error as exc:
            if sqlstate_of(exc) != rpc.UNKNOWN_LINK:
                raise
            return HTMLResponse(pages.unknown_link(), status_code=404, headers=pages.HEADERS)
        return HTMLResponse(pages.question(item), headers=pages.HEADERS)

    async def answer_form(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            return HTMLResponse(pages.bad_form("The form is too large."), status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}
        item: LinkedInteraction | None = None
        try:
            item = await self._db(lambda conn: rpc.interaction_for_link(conn, token))
        except psycopg.Error as exc:
            if sqlstate_of(exc) != rpc.UNKNOWN_LINK:
                raise
        # An expired link's form is kept as it came (answer_by_link records it as late);
        # an unknown token's is refused there.
        response = link_response(item, form) if item is not None else {"expired_form": form}
        if isinstance(response, str):
            return HTMLResponse(pages.bad_form(response), status_code=422, headers=pages.HEADERS)
        headers = kept_headers(request)
        try:
            result: Matched = await self._db(
                lambda conn: rpc.answer_by_link(conn, token, response, headers)
            )
        except psycopg.Error as exc:
            if sqlstate_of(exc) == rpc.UNKNOWN_LINK:
                return HTMLResponse(pages.unknown_link(), status_code=404, headers=pages.HEADERS)
            if sqlstate_of(exc) == rpc.ANSWER_NOT_STORABLE:
                return HTMLResponse(
                    pages.bad_form("The answer is too large."),
                    status_code=413,
                    headers=pages.HEADERS,
                )
            raise
        self._logged("email", None, result)
        status, text = pages.outcome(result)
        return HTMLResponse(text, status_code=status, headers=pages.HEADERS)

    # --- webhooks

    async def webhook_answer(self, request: Request) -> Response:
        endpoint_id = _uuid(request.path_params["endpoint_id"])
        if endpoint_id is None:
            return JSONResponse({"error": "no such endpoint"}, status_code=404)
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        parsed = _parse_json(body)
        fields = parsed if isinstance(parsed, dict) else {}
        interaction_id = _uuid(fields.get("interaction_id")) or _uuid(fields.get("correlation_id"))
        answer = fields.get("response") if isinstance(fields.get("response"), dict) else None
        text = (
            fields.get("text") if answer is None and isinstance(fields.get("text"), str) else None
        )
        responder = f"webhook:{endpoint_id}"
        if isinstance(fields.get("responder"), str) and fields["responder"].strip():
            responder += ":" + fields["responder"].strip()[:200]
        headers = kept_headers(request)
        signed = {name.lower(): value for name, value in request.headers.items()}

        async def verify(secret: str) -> str | None:
            try:
                Webhook(secret).verify(body, signed, json_parse=False)
            except WebhookVerificationError as exc:
                return str(exc) or "the signature does not verify"
            except Exception:  # a malformed secret: its text may quote it
                return "the endpoint's secret cannot verify signatures"
            return None

        return await self._receive(
            "webhook",
            endpoint_id,
            _as_payload(parsed, body),
            headers,
            interaction_id,
            responder,
            answer,
            text,
            verify,
            acknowledge_first=False,
        )

    async def _receive(
        self,
        channel: str,
        endpoint_id: uuid.UUID,
        payload: Any,
        headers: dict[str, str],
        interaction_id: uuid.UUID | None,
        responder: str | None,
        answer: dict[str, Any] | None,
        text: str | None,
        verify: Callable[[str], Awaitable[str | None]],
        acknowledge_first: bool,
    ) -> Response:
        """Checks the answer's signature, stores it with the verdict (its own statement: if
        serve stops before matching it, tick() matches it), has it matched: after
        answering when `acknowledge_first`, else before (and says how it went)."""
        try:
            secret: str = await self._db(
                lambda conn: rpc.endpoint_signing_secret(conn, endpoint_id, channel)
            )
            signature_error = await verify(secret)
            response_id: uuid.UUID = await self._db(
                lambda conn: rpc.receive_hil_response(
                    conn,
                    channel,
                    endpoint_id,
                    payload,
                    headers,
                    interaction_id,
                    responder,
                    answer,
                    text,
                    signature_error,
                )
            )
        except psycopg.Error as exc:
            if sqlstate_of(exc) == rpc.UNKNOWN_ENDPOINT:
                return JSONResponse({"error": "no such endpoint"}, status_code=404)
            if sqlstate_of(exc) == rpc.ANSWER_NOT_STORABLE:
                return JSONResponse({"error": "the answer cannot be stored"}, status_code=413)
            raise
        if acknowledge_first:
            received = {"response_id": str(response_id), "status": "received"}
            if signature_error is not None:
                received = {**received, "error": f"not verified: {signature_error}"}
            return JSONResponse(
                received,
                status_code=200 if signature_error is None else 401,
                background=BackgroundTask(
                    self._match, channel, endpoint_id, response_id, signature_error
                ),
            )
        result = await self._match(channel, endpoint_id, response_id, signature_error)
        if result is None:
            return JSONResponse(
                {"response_id": str(response_id), "status": "received", "error": "not matched"},
                status_code=500,
            )
        status = 401 if signature_error is not None else _STATUS_OF.get(result.status, 500)
        return JSONResponse(result.as_json(), status_code=status)

    async def _match(
        self,
        channel: str,
        endpoint_id: uuid.UUID,
        response_id: uuid.UUID,
        signature_error: str | None,
    ) -> Matched | None:
        """Has a stored answer matched; None (logged) when the database could not."""
        try:
            result: Matched = await self._db(
                lambda conn: rpc.match_hil_response(conn, response_id, signature_error)
            )
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log_event(
                log,
                logging.ERROR,
                "answer_not_matched",
                channel=channel,
                endpoint_id=endpoint_id,
                response_id=response_id,
                error=type(exc).__name__,
                sqlstate=sqlstate_of(exc),
            )
            return None
        self._logged(channel, endpoint_id, result)
        return result

    # --- Slack

    async def slack(self, request: Request) -> Response:
        endpoint_id = _uuid(request.path_params["endpoint_id"])
        if endpoint_id is None:
            return JSONResponse({"error": "no such endpoint"}, status_code=404)
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        headers = kept_headers(request)
        signed = {name.lower(): value for name, value in request.headers.items()}
        tolerance = self.settings.signature_tolerance_seconds

        async def verify(secret: str) -> str | None:
            return slack_signature_error(secret, body, signed, tolerance)

        read = read_slack(body, request.headers.get("content-type", ""))
        if read.challenge is not None:  # Slack checking the Events API URL: nothing to store
            secret = await self._slack_secret(endpoint_id)
            if secret is None:
                return JSONResponse({"error": "no such endpoint"}, status_code=404)
            if await verify(secret) is not None:
                return JSONResponse({"error": "not verified"}, status_code=401)
            return PlainTextResponse(read.challenge)
        if read.ignored:  # an event that is not an answer (a bot's message, an edit...)
            return Response(status_code=200)
        return await self._receive(
            "slack",
            endpoint_id,
            read.payload,
            headers,
            read.interaction_id,
            read.responder,
            read.response,
            read.text,
            verify,
            acknowledge_first=True,
        )

    async def _slack_secret(self, endpoint_id: uuid.UUID) -> str | None:
        try:
            secret: str = await self._db(
                lambda conn: rpc.endpoint_signing_secret(conn, endpoint_id, "slack")
            )
        except psycopg.Error as exc:
            if sqlstate_of(exc) == rpc.UNKNOWN_ENDPOINT:
                return None
            raise
        return secret

    # --- triggers

    async def trigger(self, request: Request) -> Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return JSONResponse(
                {"error": "send the access key as Authorization: Bearer <key>"}, status_code=401
            )
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        payload = _parse_json(body) if body.strip() else {}
        if not isinstance(payload, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        try:
            batch_id: uuid.UUID = await self._db(
                lambda conn: rpc.trigger_webhook(conn, key.strip(), payload)
            )
        except psycopg.Error as exc:
            code = sqlstate_of(exc)
            if code == rpc.BAD_ACCESS_KEY:
                return JSONResponse({"error": "the access key is not valid"}, status_code=401)
            if code is not None and code.startswith("OR"):
                primary = exc.diag.message_primary or "refused"
                return JSONResponse({"error": primary, "code": code}, status_code=400)
            raise
        log_event(log, logging.INFO, "trigger_launched", batch_id=batch_id)
        return JSONResponse({"batch_id": str(batch_id)}, status_code=202)

    def _logged(self, channel: str, endpoint_id: uuid.UUID | None, result: Matched) -> None:
        log_event(
            log,
            logging.INFO,
            "answer_received",
            channel=channel,
            endpoint_id=endpoint_id,
            response_id=result.response_id,
            status=result.status,
            interaction_id=result.interaction_id,
            outcome=result.answer_outcome,
        )


def create_app(
    settings: ServeSettings,
    pool: AsyncConnectionPool | None = None,
    console: ConsoleSettings | None = None,
) -> Starlette:
    """The ASGI app, with the web console at `/` when `console` is given; with `pool`
    (opened by the caller) it neither opens nor closes one."""
    return Serve(settings, pool, console).app()


# --- what the answers say ------------------------------------------------------------------


def link_response(item: LinkedInteraction, form: dict[str, str]) -> dict[str, Any] | str:
    """The answer an email link's form gives, as _answer_interaction takes it, or why the
    form cannot be read."""
    kind = item.interaction_type
    if kind == "selection":
        choices = pages.options(item.request_data)
        index = form.get("choice", "")
        if not index.isdigit() or int(index) >= len(choices):
            return "Choose one of the options."
        return {"choice": choices[int(index)]["value"]}
    if kind == "input":
        text = form.get("answer", "")
        if not text.strip():
            return "Give an answer."
        value = _parse_json(text.encode())
        return {"answer": value if value is not None else text}
    decision = form.get("decision", "")
    if decision not in ("approve", "reject"):
        return "Choose approve or reject."
    if kind == "review":
        review: dict[str, Any] = {"decision": decision}
        if form.get("comment", "").strip():
            review["comment"] = form["comment"].strip()
        score = form.get("score", "").strip()
        if score:
            try:
                review["score"] = float(score)
            except ValueError:
                return "The score is not a number."
        return review
    response: dict[str, Any] = {"decision": decision}
    if form.get("reason", "").strip():
        response["reason"] = form["reason"].strip()
    edited = form.get("output", "").strip()
    if decision == "approve" and edited:
        output = _parse_json(edited.encode())
        if output is None and edited != "null":
            return "The edited output is not JSON."
        if output != item.request_data.get("output"):
            response["output"] = output
    return response


class SlackRead:
    """What a Slack request says: an Events API challenge, something to ignore, or an
    answer (the interaction its button names, who pressed it, the answer or free text)."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.challenge: str | None = None
        self.ignored = False
        self.interaction_id: uuid.UUID | None = None
        self.responder: str | None = None
        self.response: dict[str, Any] | None = None
        self.text: str | None = None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_slack(body: bytes, content_type: str) -> SlackRead:
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):  # the Events API
        event_body = _parse_json(body)
        read = SlackRead(_as_payload(event_body, body))
        if not isinstance(event_body, dict):
            return read
        if event_body.get("type") == "url_verification":
            read.challenge = str(event_body.get("challenge", ""))
            return read
        event = _object(event_body.get("event"))
        is_reply = (
            event.get("type") == "message"
            and event.get("thread_ts")
            and not event.get("bot_id")
            and not event.get("subtype")
            and isinstance(event.get("text"), str)
        )
        if not is_reply:
            read.ignored = True
            return read
        read.responder = f"slack:{event_body.get('team_id', '')}:{event.get('user', '')}"
        read.text = str(event["text"])
        return read
    form = parse_qs(text)
    payload = _parse_json(form["payload"][0].encode()) if "payload" in form else None
    read = SlackRead(_as_payload(payload, body))
    if not isinstance(payload, dict):
        return read
    user = _object(payload.get("user"))
    team = _object(payload.get("team"))
    team_id = team.get("id") or user.get("team_id") or ""
    read.responder = f"slack:{team_id}:{user.get('id', '')}"
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    value = _parse_json(str(action.get("value", "")).encode()) if isinstance(action, dict) else None
    if not isinstance(value, dict):
        return read
    read.interaction_id = _uuid(value.get("interaction_id"))
    if value.get("decision") == "approve":
        read.response = {"decision": "approve"}
    elif value.get("decision") == "reject":
        who = user.get("username") or user.get("name") or user.get("id") or "someone"
        read.response = {"decision": "reject", "reason": f"rejected in Slack by {who}"}
    elif "choice" in value:
        read.response = {"choice": value["choice"]}
    return read


def slack_signature_error(
    secret: str, body: bytes, headers: dict[str, str], tolerance: int
) -> str | None:
    """Why a Slack request does not verify (None when it does): Slack's `v0:timestamp:body`
    HMAC, compared in constant time by slack_sdk, within `tolerance` seconds."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        return "no X-Slack-Signature or X-Slack-Request-Timestamp"
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return "the timestamp is not a number"
    if age > tolerance:
        return f"stale timestamp: {int(age)} s old, over the {tolerance} s tolerance"
    verifier = SignatureVerifier(secret)
    if not verifier.is_valid(
        body=body.decode("utf-8", errors="replace"), timestamp=timestamp, signature=signature
    ):
        return "the signature does not verify"
    return None
