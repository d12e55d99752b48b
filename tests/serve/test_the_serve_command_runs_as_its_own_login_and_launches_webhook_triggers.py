"""`orchable serve` as a command: it connects as its own login (ORCHABLE_SERVE_DATABASE_URL,
the orchable_serve role), answers /healthz, launches a webhook trigger with the access key
in `Authorization: Bearer` (for deployments without PostgREST) and refuses a wrong key;
an unknown answer link is a 404. It shuts down cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
from fakes.smtp_server import free_port
from psycopg.types.json import Jsonb
from support.databases import acting_as
from support.pipelines import single_stage
from support.serve import serve_url
from support.workers import ROOT, wait_for


def test_the_serve_command_runs_as_its_own_login_and_launches_webhook_triggers(
    database, admin, owner
):
    orchestrator_id = single_stage(admin, owner, "leads")
    with acting_as(admin, "authenticated", owner):
        key = admin.execute("select id, key from public.create_access_key('crm')").fetchone()
        admin.execute(
            "select public.add_trigger(%s, 'on new lead', 'webhook', p_inputs => %s,"
            " p_access_key_id => %s)",
            (orchestrator_id, Jsonb([{"question": "default"}]), key["id"]),
        )
    port = free_port()
    environ = database.environ(ORCHABLE_SERVE_DATABASE_URL=serve_url(database))
    environ.pop("DATABASE_URL")
    with (
        subprocess.Popen(
            [sys.executable, "-m", "orchable.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        try:

            def healthy() -> bool:
                assert process.poll() is None, process.stdout.read().decode()
                try:
                    return http.get("/healthz").json() == {"ok": True}
                except httpx.TransportError:
                    return False

            wait_for(healthy)
            launched = http.post(
                "/hooks/trigger",
                json={"question": "why is the sky blue?"},
                headers={"Authorization": f"Bearer {key['key']}"},
            )
            refused = http.post(
                "/hooks/trigger", json={}, headers={"Authorization": "Bearer orch_wrong"}
            )
            unknown_link = http.get("/answer/not-a-token-anyone-was-sent")
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=20)[0].decode()

    assert launched.status_code == 202, launched.text
    batch = admin.execute(
        "select b.owner_id, t.input_data from public.task_batches as b"
        " join public.ai_tasks as t on t.batch_id = b.id where b.id = %s",
        (launched.json()["batch_id"],),
    ).fetchone()
    assert batch == {"owner_id": owner, "input_data": {"question": "why is the sky blue?"}}
    assert refused.status_code == 401
    assert unknown_link.status_code == 404
    assert "This link is unknown or has expired" in unknown_link.text
    # uvicorn shuts down cleanly, then re-raises the signal it caught, as it documents.
    assert "Application shutdown complete" in output, output
    assert process.returncode in (0, -signal.SIGTERM), output
    assert key["key"] not in output, "the access key reached the log"
