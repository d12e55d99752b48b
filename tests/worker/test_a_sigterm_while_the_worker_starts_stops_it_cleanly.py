"""A SIGTERM that lands while the worker is still starting (loading its providers, which
for google-genai takes a second) stops it cleanly: it claims nothing and exits 0, as a
SIGTERM later does, instead of dying of the signal. The worker process here sends itself
the SIGTERM from inside the provider loading, so the moment is exact."""

from __future__ import annotations

import os
import subprocess
import sys

from concurrency.drive import launch

from .support import ROOT, seed_single_stage, tasks

CHILD = """
import os, signal, sys
from orchable.cli import main
from orchable.providers.registry import Providers

load = Providers.preload

def preload_then_sigterm(self, *names):
    os.kill(os.getpid(), signal.SIGTERM)
    load(self, *names)

Providers.preload = preload_then_sigterm
sys.exit(main(["worker", "--offline", "--default-provider", "offline", "--worker-id", "starting"]))
"""


def test_a_sigterm_while_the_worker_starts_stops_it_cleanly(admin, owner, worker_url):
    orchestrator_id = seed_single_stage(admin, owner, "sigterm-at-start", {"provider": "offline"})
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]

    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env={**os.environ, "ORCHABLE_WORKER_DATABASE_URL": worker_url},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert child.returncode == 0, child.stdout + child.stderr
    assert "claimed 0" in child.stdout, child.stdout
    assert [t["status"] for t in tasks(admin, batch_id)] == ["plan"]
