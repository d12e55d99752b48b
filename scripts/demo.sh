#!/usr/bin/env bash
# `make demo`: the course builder end to end on the local database. A demo user stands in
# for a signed-in user; the worker connects as the least-privilege worker login. It ends
# with where the console shows the batch (`make serve`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
owner=$(scripts/demo-user.sh)
DATABASE_URL=$(scripts/db.sh url) ORCHABLE_WORKER_DATABASE_URL=$(scripts/db.sh worker-url) \
    .venv/bin/orchable --log-level warning demo --owner "$owner"
batch=$(psql -X -At -d "$(scripts/db.sh admin-url)" -c \
    "select id from public.task_batches where owner_id = '$owner' order by created_at desc limit 1")
echo
echo "See it in the console: make serve, then open http://127.0.0.1:8787/#/batches/$batch"
