#!/usr/bin/env bash
# `make serve`: `orchable serve` on the local database as its own login, the web console
# signed in as the demo user (loopback only), until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
owner=$(scripts/demo-user.sh)
echo "the console: http://127.0.0.1:${PORT:-8787}/ (as the demo user $owner)"
ORCHABLE_SERVE_DATABASE_URL=$(scripts/db.sh serve-url) \
    exec .venv/bin/orchable serve --port "${PORT:-8787}" --dev-user "$owner"
