"""`make chaos`: one batch of a three-stage split-and-merge pipeline (2,000 inputs) run by
4 worker processes against the fake Gemini server answering with a seeded mix of faults
(10% rate limited, 5% server error, 5% not JSON, 5% breaking the schema, 2% hanging past
the call timeout). Every 2-5 s a random worker is SIGKILLed and replaced; every 3-8 s the
database connections of another are cut with pg_terminate_backend. Once the batch is done
(or at the deadline) the chaos stops, key cooldowns run out, the workers get SIGTERM and
each invariant is checked and printed. The last line is `chaos: PASS` or
`chaos: FAIL (<what failed>)`, and the exit code agrees.

`--shape` runs the same chaos on another pipeline (chaos/shapes.py): chain (four 1:1
stages), nested (a split inside a split, merged twice) or approval (stages that wait for a
person, whom the run plays: approving, editing, rejecting). The checks follow the shape.

A hostile tenant (chaos/hostile.py; `--no-hostile` leaves it out) floods the queue ahead of
the honest batch and tries the security review's poison inputs, oversized templates and
prompts, remote `$ref`s and costly schemas next to it; its refusals, its tasks' ends and
the workers' survival are checked too.

Usage: .venv/bin/python chaos/run.py [--shape split-merge] [--inputs 2000] [--deadline 360] ...
  DATABASE_URL, ADMIN_DATABASE_URL, WORKER_DATABASE_URL: a fresh deployed database (as
  scripts/test.sh passes them); default: scripts/db.sh create + scripts/deploy.sh
  orchable_chaos.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `chaos` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos.driver import main

if __name__ == "__main__":
    raise SystemExit(main())
