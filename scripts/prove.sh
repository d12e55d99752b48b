#!/usr/bin/env bash
# A quick loop for one area: deploys the migrations to a fresh database DB,
# installs the test helpers and runs pg_prove on the given test paths.
#   scripts/prove.sh DB tests/db/tasks/claim_tasks [more paths]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
db=$1
shift
scripts/db.sh start
scripts/db.sh create "$db" current
scripts/deploy.sh "$db" current >/dev/null
for helper in tests/helpers/*.sql; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$(scripts/db.sh admin-url "$db")" -f "$helper" >/dev/null
done
pg_prove --ext .sql -r --dbname "$(scripts/db.sh admin-url "$db")" "$@"
