#!/usr/bin/env bash
# `make demo`: the course builder end to end on the local database. A demo user stands in
# for a signed-in user; the worker connects as the least-privilege worker login.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
owner=00000000-0000-0000-0000-00000000d3e0
psql -X -q -v ON_ERROR_STOP=1 -d "$(scripts/db.sh admin-url)" -c \
    "insert into auth.users (id, email, role, aud) values ('$owner', 'demo@orchable.local', 'authenticated', 'authenticated') on conflict (id) do nothing" >/dev/null
DATABASE_URL=$(scripts/db.sh url) ORCHABLE_WORKER_DATABASE_URL=$(scripts/db.sh worker-url) \
    .venv/bin/orchable --log-level warning demo --owner "$owner"
