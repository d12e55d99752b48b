"""A `$ref` in output_schema to a URL (here a server on 127.0.0.1 that records every
request) is never fetched: references resolve within the schema only, so the task fails
for good as its schema is invalid, naming the reference, and no request ever arrives. The
schema is put in place as the superuser, so that the worker is tested whatever the
database accepts at upsert."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import run_worker, settings


@contextlib.contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that answers every GET with a schema and records its path."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = json.dumps({"type": "integer"}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/schema+json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_remote_ref_in_output_schema_is_never_fetched_and_fails_the_task_naming_it(
    admin, owner, worker_url
):
    with recording_server() as (url, requests):
        ref = f"{url}/internal/admin?action=x"
        orchestrator_id = single_stage(
            admin, owner, f"ssrf-{uuid.uuid4()}", ai_settings={"provider": "offline"}
        )
        admin.execute(
            "update public.prompt_templates set output_schema = %s::jsonb"
            " where orchestrator_id = %s",
            (json.dumps({"$ref": ref}), orchestrator_id),
        )
        batch_id = launch(admin, owner, orchestrator_id, [{"question": "why?"}])["id"]

        worker = Worker(settings(worker_url), {"offline": OfflineProvider()})
        asyncio.run(run_worker(worker))

        assert requests == []
    [row] = tasks(admin, batch_id)
    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR028"  # invalid_schema
    assert ref in row["error_message"], row["error_message"]
    assert worker.failed == 1
