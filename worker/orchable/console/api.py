"""The web console: its page at `/`, its bundle under `/assets/`, and its JSON API under
`/api/`, as Starlette routes that `orchable serve` mounts (`console_routes(pool, settings)`).

Every request is one signed-in user (orchable.console.auth) and runs in one transaction as
`authenticated` with that user's claims, as PostgREST runs it: row-level security decides
what it reads (reads run in read-only transactions), and every change is one of the
existing RPCs (orchable.console.queries). A change must come from the console's page (its
header and origin) and is refused on a read-only console. A database error comes back as
JSON `{code, message, detail, hint}`: 404 for what is not found (or not the user's), 409 for
a state that does not allow the action, 422 for an answer or argument that does not fit,
400 for any other project code (OR...).

Reads:
    GET  /api/session                  the user, how they signed in, whether read-only
    GET  /api/batches                  ?status=a,b&pipeline=<id>&cursor=<next_cursor>
    GET  /api/batches/{id}             progress, counters, cost, stages, timeline, tree page
    GET  /api/batches/{id}/tasks       ?cursor=: the next page of the batch's task trees
    GET  /api/tasks/{id}               input, output, stage, the prompt sent, its component,
                                       calls, events, interactions
    GET  /api/inbox                    the user's open interactions
    GET  /api/pipelines                pipelines and their stage graphs, each stage's
                                       task counts by status in unfinished batches
    GET  /api/components               the user's custom components and the public ones
    GET  /api/monitors                 ?cursor=: the user's monitors, each with its latest run
    GET  /api/monitors/{id}            a monitor and a page of its runs (?cursor=), each
                                       grounded one with the signed address of its
                                       search suggestions (GET /suggestions/{run_id})
    GET  /api/costs                    ?days=30&tz=<zone>: spend per pipeline, model, day
    GET  /api/keys                     the key pool's health (prefixes only, never a key)
Changes (POST, JSON body):
    /api/batches/{id}/pause|resume|cancel|retry
    /api/tasks/{id}/approve {output?}  /reject {reason, regenerate}  /retry
    /api/interactions/{id}/respond {response}
    /api/monitors/{id}/run {notify?}|pause|resume
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from orchable.console import queries as q
from orchable.console import suggestions
from orchable.console.auth import (
    AccessKey,
    Refused,
    SignIn,
    User,
    check_change_allowed,
    check_host,
    check_not_sandboxed,
)
from orchable.console.settings import ConsoleSettings
from orchable.logs import log_event

log = logging.getLogger("orchable.console")

STATIC_DIR = Path(__file__).resolve().parent / "static"
BATCH_STATUSES = ("pending", "processing", "completed", "failed", "paused", "cancelled")
TIMELINE_EVENTS = 200
INBOX_LIMIT = 200
CHILDREN_LIMIT = 200
COMPONENTS_LIMIT = 200
COST_DAYS = 30
MAX_COST_DAYS = 90
TIMEZONE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/")

# Project codes (README) by what the console answers.
_NOT_FOUND = frozenset({"OR002", "OR004", "OR005", "OR034", "OR036", "OR037", "OR038", "OR039"})
_CONFLICT = frozenset({"OR006", "OR007"})
_UNFIT = frozenset({"OR003", "OR021", "OR042"})

# The page: its own resources only; no inline script or style, nothing framed it may not.
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none';"
        " form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
API_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}

# The sandbox that runs a stage's custom component (TSX): framed by the page as
# <iframe sandbox="allow-scripts">, and sandboxed by its own CSP too (when opened alone), so
# it has an opaque origin: no cookies, no storage, no access to the page; it may load its
# runtime (and evaluate the component: 'unsafe-eval' here only, never on the page), and
# nothing else: no request (connect-src), no image but data:, no form, no frame.
SANDBOX_HEADERS = {
    "content-security-policy": (
        "sandbox allow-scripts; default-src 'none'; script-src 'self' 'unsafe-eval';"
        " style-src 'unsafe-inline'; img-src data:; font-src 'none'; media-src 'none';"
        " connect-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none';"
        " worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none';"
        " frame-ancestors 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-resource-policy": "same-origin",
}
SANDBOX_STYLE = (
    "body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1f2328}"
    ".card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:4px 0}"
    ".card-title{margin:0 0 4px;font-size:15px}.badge{display:inline-block;padding:0 6px;"
    "border-radius:10px;background:#eaeef2;font-size:12px}.table{border-collapse:collapse}"
    ".table-head,.table-cell{border-bottom:1px solid #d0d7de;padding:2px 8px;text-align:left}"
)


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | dt.datetime | dt.date):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(value: Any) -> bytes:
    """JSON of a response: orjson, or the standard library for integers past 64 bits."""
    try:
        return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, default=_default).encode()


class JSON(Response):
    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200) -> None:
        super().__init__(encode(content), status_code=status_code, headers=API_HEADERS)


def error(status: int, code: str, message: str, detail: Any = None, hint: Any = None) -> JSON:
    return JSON({"code": code, "message": message, "detail": detail, "hint": hint}, status)


def status_of(code: str) -> int:
    """The HTTP status of a database error's SQLSTATE."""
    if code in _NOT_FOUND:
        return 404
    if code in _CONFLICT:
        return 409
    if code in _UNFIT:
        return 422
    if code.startswith("OR") or code.startswith("22"):
        return 400
    if code == "42501":
        return 403
    if code in ("57014", "55P03", "40001", "40P01"):  # timeout, lock, serialization
        return 503
    return 500


# --- cursors: opaque keysets (created_at, id) -----------------------------------------------


def make_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["created_at"].isoformat(), str(row["id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(text: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    if not text:
        return None
    try:
        at, key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return dt.datetime.fromisoformat(at), uuid.UUID(key)
    except (ValueError, TypeError) as exc:
        raise Refused(400, "bad_cursor", "the cursor is not one this console gave") from exc


def _uuid_param(value: str | None, name: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Refused(400, "bad_argument", f"{name} is not a uuid") from None


def _limit(request: Request, default: int) -> int:
    text = request.query_params.get("limit", "")
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise Refused(400, "bad_argument", "limit is a whole number from 1 to 500")
    return int(text)


Handler = Callable[[Request], Awaitable[Response]]


class Console:
    """The routes over one connection pool (whose login may SET ROLE authenticated)."""

    def __init__(self, pool: AsyncConnectionPool, settings: ConsoleSettings) -> None:
        self.pool = pool
        self.settings = settings
        self.sign_in = SignIn(settings)

    def routes(self) -> list[BaseRoute]:
        read, change = self._reading, self._changing
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/sandbox.html", self.sandbox, methods=["GET"]),
            Route("/suggestions/{run_id}", self.search_suggestions, methods=["GET"]),
            Mount("/assets", app=StaticFiles(directory=STATIC_DIR, check_dir=False)),
            Route("/api/session", read(self.session), methods=["GET"]),
            Route("/api/batches", read(self.batches), methods=["GET"]),
            Route("/api/batches/{batch_id}", read(self.batch), methods=["GET"]),
            Route("/api/batches/{batch_id}/tasks", read(self.batch_tasks), methods=["GET"]),
            Route("/api/tasks/{task_id}", read(self.task), methods=["GET"]),
            Route("/api/inbox", read(self.inbox), methods=["GET"]),
            Route("/api/pipelines", read(self.pipelines), methods=["GET"]),
            Route("/api/components", read(self.components), methods=["GET"]),
            Route("/api/monitors", read(self.monitors), methods=["GET"]),
            Route("/api/monitors/{monitor_id}", read(self.monitor), methods=["GET"]),
            Route("/api/costs", read(self.costs), methods=["GET"]),
            Route("/api/keys", read(self.keys), methods=["GET"]),
            Route("/api/batches/{batch_id}/{action}", change(self.batch_action), methods=["POST"]),
            Route("/api/tasks/{task_id}/{action}", change(self.task_action), methods=["POST"]),
            Route(
                "/api/monitors/{monitor_id}/{action}",
                change(self.monitor_action),
                methods=["POST"],
            ),
            Route(
                "/api/interactions/{interaction_id}/respond",
                change(self.respond),
                methods=["POST"],
            ),
            Route("/api/{path:path}", self.no_such_endpoint, methods=["GET", "POST"]),
        ]

    # --- the page

    async def page(self, request: Request) -> Response:
        bundle = STATIC_DIR / "app.js"
        if not bundle.is_file():
            return HTMLResponse(
                "<!doctype html><title>orchable console</title>"
                "<p>The console's page is not built: run <code>make console</code>.</p>",
                status_code=503,
                headers=PAGE_HEADERS,
            )
        version = escape(str(int(bundle.stat().st_mtime)))
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            "<title>orchable</title>"
            f'<link rel=stylesheet href="assets/app.css?v={version}">'
            f'<script type=module src="assets/app.js?v={version}"></script>'
            '</head><body><div id="root"></div></body></html>',
            headers=PAGE_HEADERS,
        )

    async def sandbox(self, request: Request) -> Response:
        """The custom components' sandbox: an empty page that loads its runtime."""
        bundle = STATIC_DIR / "sandbox.js"
        version = escape(str(int(bundle.stat().st_mtime))) if bundle.is_file() else "0"
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<style>{SANDBOX_STYLE}</style>"
            # a classic script: a module's request from this opaque origin would need CORS
            f'<script src="assets/sandbox.js?v={version}"></script>'
            '</head><body><div id="root"></div></body></html>',
            headers=SANDBOX_HEADERS,
        )

    async def search_suggestions(self, request: Request) -> Response:
        """A grounded monitor run's search suggestions, framed by its monitor's page from a
        signed address (orchable.console.suggestions), read as the user it was made for."""
        try:
            check_host(request, self.settings)
            run_id = self._path_uuid(request, "run_id", "monitor run")
            user_id = suggestions.verify(self.settings.link_key, request, run_id)
            claims = {"sub": str(user_id), "role": "authenticated"}
            async with (
                self.pool.connection() as conn,
                q.as_user(
                    conn,
                    claims,
                    read_only=True,
                    statement_timeout_ms=self.settings.statement_timeout_ms,
                ),
            ):
                html = await q.search_suggestions(conn, run_id)
        except Refused as exc:
            return PlainTextResponse(exc.message, exc.status, headers=suggestions.HEADERS)
        except (PoolTimeout, OSError, psycopg.Error):
            return PlainTextResponse("unavailable", 503, headers=suggestions.HEADERS)
        if html is None:
            return PlainTextResponse("no search suggestions", 404, headers=suggestions.HEADERS)
        return HTMLResponse(suggestions.page(html), headers=suggestions.HEADERS)

    async def no_such_endpoint(self, request: Request) -> Response:
        return error(404, "not_found", f"no endpoint {request.method} {request.url.path}")

    # --- the request's frame: sign-in, transaction, errors

    def _reading(
        self, handler: Callable[[Request, AsyncConnection, User], Awaitable[Any]]
    ) -> Handler:
        async def endpoint(request: Request) -> Response:
            return await self._run(request, handler, read_only=True)

        return endpoint

    def _changing(
        self, handler: Callable[[Request, AsyncConnection, User], Awaitable[Any]]
    ) -> Handler:
        async def endpoint(request: Request) -> Response:
            return await self._run(request, handler, read_only=False)

        return endpoint

    async def _run(
        self,
        request: Request,
        handler: Callable[[Request, AsyncConnection, User], Awaitable[Any]],
        *,
        read_only: bool,
    ) -> Response:
        try:
            check_host(request, self.settings)
            check_not_sandboxed(request)
            credential = await self.sign_in.credential(request)
            if not read_only:
                check_change_allowed(request, self.settings)
                request.state.body = await self._json_body(request)
            async with self.pool.connection() as conn:
                user = (
                    await self._key_owner(conn, credential)
                    if isinstance(credential, AccessKey)
                    else credential
                )
                async with q.as_user(
                    conn,
                    user.claims,
                    read_only=read_only,
                    statement_timeout_ms=self.settings.statement_timeout_ms,
                ):
                    result = await handler(request, conn, user)
        except Refused as exc:
            return error(exc.status, exc.code, exc.message, hint=exc.hint)
        except (PoolTimeout, OSError) as exc:  # PoolTimeout before psycopg.Error: it is one
            return self._unavailable(exc)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and not exc.sqlstate:
                return self._unavailable(exc)  # the connection was lost
            return self._database_error(request, exc)
        if isinstance(result, Response):
            return result
        return JSON(result)

    @staticmethod
    async def _key_owner(conn: AsyncConnection, credential: AccessKey) -> User:
        """The owner of an access key with the console scope, or Refused(401)."""
        try:
            row = await q.sign_in_with_access_key(conn, credential.key)
        except psycopg.Error as exc:
            if exc.sqlstate != "OR035":
                raise
            raise Refused(
                401,
                "bad_key",
                "the access key is not valid",
                "sign in with a key made with the console scope, not revoked",
            ) from None
        user_id = uuid.UUID(str(row["user_id"]))
        claims = {"sub": str(user_id), "role": "authenticated", "email": row["email"]}
        return User(user_id, claims, "key")

    @staticmethod
    def _unavailable(exc: Exception) -> Response:
        log_event(log, logging.WARNING, "console_db_unreachable", error=type(exc).__name__)
        return error(503, "unavailable", "the database cannot be reached now")

    def _database_error(self, request: Request, exc: psycopg.Error) -> Response:
        diag = exc.diag
        code = diag.sqlstate or exc.sqlstate or "XX000"
        status = status_of(code)
        if status >= 500:
            log_event(
                log,
                logging.ERROR,
                "console_db_error",
                path=request.url.path,
                sqlstate=code,
                error=type(exc).__name__,
            )
        if status == 500:  # not the user's doing: no internals in the answer
            return error(500, code, "the database failed to answer (logged)")
        return error(
            status, code, diag.message_primary or str(exc), diag.message_detail, diag.message_hint
        )

    async def _json_body(self, request: Request) -> dict[str, Any]:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Refused(413, "too_large", f"the body is over {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused(413, "too_large", f"the body is over {limit} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body.strip():
            return {}
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            raise Refused(400, "bad_json", "the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise Refused(400, "bad_json", "the body is not a JSON object")
        return parsed

    # --- reads

    async def session(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        return {
            "user_id": user.id,
            "email": user.claims.get("email"),
            "via": user.via,
            "read_only": self.settings.read_only,
        }

    async def batches(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        params = request.query_params
        statuses = [s for s in params.get("status", "").split(",") if s]
        unknown = [s for s in statuses if s not in BATCH_STATUSES]
        if unknown:
            raise Refused(
                400, "bad_argument", f"unknown status {unknown[0]!r}", ", ".join(BATCH_STATUSES)
            )
        limit = _limit(request, self.settings.page_size)
        rows = await q.list_batches(
            conn,
            statuses=statuses or None,
            pipeline_id=_uuid_param(params.get("pipeline"), "pipeline"),
            before=read_cursor(params.get("cursor")),
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return {"batches": rows, "next_cursor": make_cursor(rows[-1]) if more else None}

    async def _tree_page(
        self, conn: AsyncConnection, batch_id: uuid.UUID, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        after = _uuid_param(cursor, "cursor")  # a page's cursor is its last input's id
        roots = await q.batch_inputs(conn, batch_id, after=after, limit=limit + 1)
        more = len(roots) > limit
        roots = roots[:limit]
        return {
            "root_ids": roots,
            "tasks": await q.trees(conn, roots) if roots else [],
            "next_cursor": str(roots[-1]) if more else None,
        }

    async def batch(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        batch_id = self._path_uuid(request, "batch_id", "batch")
        stages = await q.batch_stages(conn, batch_id)
        row = await q.batch(conn, batch_id, stages)
        if row is None:
            raise Refused(404, "OR005", f"batch {batch_id} not found")
        return {
            "batch": row,
            "stages": stages,
            "timeline": await q.batch_timeline(conn, batch_id, TIMELINE_EVENTS),
            "tree": await self._tree_page(conn, batch_id, None, self.settings.page_size),
        }

    async def batch_tasks(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        batch_id = self._path_uuid(request, "batch_id", "batch")
        return await self._tree_page(
            conn,
            batch_id,
            request.query_params.get("cursor"),
            _limit(request, self.settings.page_size),
        )

    async def task(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        task_id = self._path_uuid(request, "task_id", "task")
        row = await q.task(conn, task_id)
        if row is None:
            raise Refused(404, "OR004", f"task {task_id} not found")
        stage = await q.stage_template(conn, row["prompt_template_id"])
        component_id = stage["custom_component_id"] if stage is not None else None
        return {
            "task": row,
            "stage": stage,
            "prompt": await q.task_prompt(conn, task_id),
            # Read as the user: their own or a public component, else none (the JSON view).
            "component": await q.component(conn, component_id) if component_id else None,
            "calls": await q.task_calls(conn, task_id),
            "events": await q.task_events(conn, task_id),
            "interactions": await q.task_interactions(conn, task_id),
            "children": await q.task_children(conn, task_id, CHILDREN_LIMIT),
        }

    async def inbox(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        return {"interactions": await q.inbox(conn, INBOX_LIMIT)}

    async def pipelines(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        counts: dict[tuple[Any, str], dict[str, int]] = {}
        for row in await q.open_stage_counts(conn):
            key = (row["orchestrator_id"], row["stage_key"])
            counts.setdefault(key, {})[row["status"]] = row["tasks"]
        stages: dict[Any, list[dict[str, Any]]] = {}
        for stage in await q.pipeline_stages(conn):
            key = (stage["orchestrator_id"], stage["stage_key"])
            stage["open_batch_counts"] = counts.get(key, {})
            stages.setdefault(stage["orchestrator_id"], []).append(stage)
        return {
            "pipelines": [{**p, "stages": stages.get(p["id"], [])} for p in await q.pipelines(conn)]
        }

    async def monitors(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        limit = _limit(request, self.settings.page_size)
        rows = await q.list_monitors(
            conn, before=read_cursor(request.query_params.get("cursor")), limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return {"monitors": rows, "next_cursor": make_cursor(rows[-1]) if more else None}

    async def monitor(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        monitor_id = self._path_uuid(request, "monitor_id", "monitor")
        row = await q.monitor(conn, monitor_id)
        if row is None:
            raise Refused(404, "OR034", f"monitor {monitor_id} not found")
        limit = _limit(request, self.settings.page_size)
        runs = await q.monitor_runs(
            conn,
            monitor_id,
            before=read_cursor(request.query_params.get("cursor")),
            limit=limit + 1,
        )
        more = len(runs) > limit
        runs = runs[:limit]
        for run in runs:
            shown = run.pop("has_search_suggestions")
            run["search_suggestions_url"] = (
                suggestions.signed_path(self.settings.link_key, run["id"], user.id)
                if shown
                else None
            )
        last = runs[-1] if more else None
        return {
            "monitor": row,
            "runs": runs,
            "next_cursor": make_cursor({"created_at": last["started_at"], "id": last["id"]})
            if last is not None
            else None,
        }

    async def costs(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        params = request.query_params
        days_text = params.get("days", "") or str(COST_DAYS)
        if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_COST_DAYS:
            raise Refused(400, "bad_argument", f"days is a whole number from 1 to {MAX_COST_DAYS}")
        timezone = params.get("tz", "") or "UTC"
        if len(timezone) > 64 or not set(timezone) <= TIMEZONE_CHARS:
            raise Refused(400, "bad_argument", "tz is an IANA time zone, e.g. Europe/Berlin")
        rows = await q.spend(conn, days=int(days_text), timezone=timezone)
        by_day = [r for r in rows if r["dimension"] == "day"]
        keep = ("calls", "cost_usd", "input_tokens", "output_tokens", "failed_calls")

        def part(dimension: str, *names: str) -> list[dict[str, Any]]:
            picked = [r for r in rows if r["dimension"] == dimension]
            picked.sort(key=lambda r: r["cost_usd"], reverse=True)
            return [{n: r[n] for n in (*names, *keep)} for r in picked]

        return {
            "days": int(days_text),
            "timezone": timezone,
            "first_day": by_day[0]["day"] if by_day else None,
            "last_day": by_day[-1]["day"] if by_day else None,
            "total": {n: sum(r[n] for r in by_day) for n in keep},
            "by_pipeline": part("pipeline", "orchestrator_id", "pipeline_name"),
            "by_model": part("model", "provider", "model"),
            "by_day": [{"day": r["day"], **{n: r[n] for n in keep}} for r in by_day],
        }

    async def keys(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        return {"keys": await q.key_pool(conn)}

    async def components(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        return {"components": await q.components(conn, COMPONENTS_LIMIT)}

    # --- changes

    async def batch_action(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        batch_id = self._path_uuid(request, "batch_id", "batch")
        action = request.path_params["action"]
        if action == "retry":
            result: Any = {"retried": await q.retry_batch(conn, batch_id)}
        elif action in ("pause", "resume", "cancel"):
            call = {"pause": q.pause_batch, "resume": q.resume_batch, "cancel": q.cancel_batch}
            result = {"batch": await call[action](conn, batch_id)}
        else:
            raise Refused(404, "unknown_action", f"no batch action {action!r}")
        self._logged(user, f"batch_{action}", batch_id)
        return result

    async def task_action(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        task_id = self._path_uuid(request, "task_id", "task")
        action = request.path_params["action"]
        body: dict[str, Any] = request.state.body
        if action == "approve":
            status = await q.approve_task(conn, task_id, body.get("output"))
        elif action == "reject":
            reason = body.get("reason")
            regenerate = body.get("regenerate", True)
            if not isinstance(reason, str) or not isinstance(regenerate, bool):
                raise Refused(
                    422, "bad_argument", "a rejection is {reason: text, regenerate: boolean}"
                )
            status = await q.reject_task(conn, task_id, reason, regenerate)
        elif action == "retry":
            status = await q.retry_task(conn, task_id)
        else:
            raise Refused(404, "unknown_action", f"no task action {action!r}")
        self._logged(user, f"task_{action}", task_id)
        return {"task_id": task_id, "status": status}

    async def respond(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        interaction_id = self._path_uuid(request, "interaction_id", "interaction")
        response = request.state.body.get("response")
        if not isinstance(response, dict):
            raise Refused(422, "bad_argument", "the body is {response: {...}}")
        result = await q.respond_to_interaction(conn, interaction_id, response)
        self._logged(user, "interaction_respond", interaction_id)
        return result

    async def monitor_action(self, request: Request, conn: AsyncConnection, user: User) -> Any:
        monitor_id = self._path_uuid(request, "monitor_id", "monitor")
        action = request.path_params["action"]
        if action == "run":
            notify = request.state.body.get("notify", True)
            if not isinstance(notify, bool):
                raise Refused(422, "bad_argument", "a run is {notify: boolean} (false: a dry run)")
            result: Any = {"run": await q.run_monitor_now(conn, monitor_id, notify)}
        elif action in ("pause", "resume"):
            call = {"pause": q.pause_monitor, "resume": q.resume_monitor}
            result = {"monitor": await call[action](conn, monitor_id)}
        else:
            raise Refused(404, "unknown_action", f"no monitor action {action!r}")
        self._logged(user, f"monitor_{action}", monitor_id)
        return result

    # --- helpers

    @staticmethod
    def _path_uuid(request: Request, name: str, what: str) -> uuid.UUID:
        try:
            return uuid.UUID(request.path_params[name])
        except ValueError:
            raise Refused(404, "not_found", f"no {what} {request.path_params[name]!r}") from None

    @staticmethod
    def _logged(user: User, action: str, target: uuid.UUID) -> None:
        log_event(
            log, logging.INFO, "console_action", action=action, user_id=user.id, target=target
        )


def console_routes(pool: AsyncConnectionPool, settings: ConsoleSettings) -> list[BaseRoute]:
    """The console's routes over `pool` (opened and closed by the caller), for `orchable
    serve` to mount at its root: `/`, `/assets/...`, `/api/...`."""
    return Console(pool, settings).routes()


def create_console_app(pool: AsyncConnectionPool, settings: ConsoleSettings) -> Starlette:
    """The console alone, as an ASGI app (tests; a deployment mounts console_routes)."""
    return Starlette(routes=console_routes(pool, settings))
