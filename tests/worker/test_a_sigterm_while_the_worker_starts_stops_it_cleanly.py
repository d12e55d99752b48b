"""A SIGTERM that lands while the worker is still starting (loading its providers, which
for google-genai takes a second) stops it cleanly: it claims nothing and exits 0, as a
SIGTERM later does, instead of dying of the signal. The worker process here sends itself
the SIGTERM from inside the provider loading, so the moment is exact."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import ROOT

CHILD = """
import os, signal, sys
from orchable.cli import main
from orchable.worker.providers.registry import Providers

load = Providers.preload

def preload_then_sigterm(self, *names):
    os.kill(os.getpid(), signal.SIGTERM)
    load(self, *names)

Providers.preload = preload_then_sigterm
sys.exit(main(["worker", "--offline", "--default-provider", "offline", "--worker-id", "starting"]))
"""


@pytest.mark.timeout(60)
def test_a_sigterm_while_the_worker_starts_stops_it_cleanly(database, admin, owner):
    orchestrator_id = single_stage(
        admin,
        owner,
        "sigterm-at-start",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "q"}])["id"]

    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=database.environ(),
        capture_output=True,
        text=True,
    )

    assert child.returncode == 0, child.stdout + child.stderr
    assert "claimed 0" in child.stdout, child.stdout
    assert [t["status"] for t in tasks(admin, batch_id)] == ["plan"]
