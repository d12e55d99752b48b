"""`orchable serve --dev-user ID` (as its own login, the orchable_serve role) serves the
console at `/` with its bundle, and its API as that user: their batch, nobody else's. With
a host other than loopback it refuses to start, in one line: a development user would sign
in whoever reaches it."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
from fakes.smtp_server import free_port
from support.cli import refused
from support.pipelines import single_stage
from support.serve import serve_url
from support.tasks import launch
from support.users import create_user
from support.workers import ROOT, orchable, wait_for


def test_orchable_serve_shows_the_console_to_its_dev_user_and_only_on_loopback(
    database, admin, owner
):
    mine = launch(admin, owner, single_stage(admin, owner, "mine"), [{"question": "a"}])["id"]
    stranger = create_user(admin)
    launch(admin, stranger, single_stage(admin, stranger, "theirs"), [{"question": "b"}])
    port = free_port()
    environ = database.environ(ORCHABLE_SERVE_DATABASE_URL=serve_url(database))
    environ.pop("DATABASE_URL")
    command = [sys.executable, "-m", "orchable.cli", "serve", "--port", str(port)]
    with (
        subprocess.Popen(
            [*command, "--dev-user", str(owner)],
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
                    return http.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(healthy)
            page = http.get("/")
            bundle = http.get("/assets/app.js")
            batches = http.get("/api/batches")
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=20)

    assert page.status_code == 200 and 'src="assets/app.js' in page.text, page.text
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert batches.status_code == 200, batches.text
    assert [b["id"] for b in batches.json()["batches"]] == [str(mine)]

    exposed = refused(orchable(database, "serve", "--host", "0.0.0.0", "--dev-user", str(owner)))
    assert "--dev-user signs in whoever reaches the console" in exposed
