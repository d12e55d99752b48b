#!/usr/bin/env bash
# `make test`: deploys orchable with the real Supabase CLI to two fresh databases (one with
# Supabase's current default privileges, one with the older ones), proves a second push is
# a no-op and that the migrations equal the sources, then runs pgTAP on both databases
# and pytest on the first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
db() { scripts/db.sh "$@"; }
step() { printf '\n== %s\n' "$*"; }

db start

step "deploy: supabase db push to fresh databases (current and legacy default privileges)"
db create orchable_test current
db create orchable_test_legacy legacy
scripts/deploy.sh orchable_test current
scripts/deploy.sh orchable_test_legacy legacy

step "deploy: a second push is a no-op"
before=$(scripts/schema-dump.sh orchable_test)
second=$(scripts/deploy.sh orchable_test current)
echo "$second"
grep -q 'up to date' <<<"$second" || { echo "FAIL: the second push applied something"; exit 1; }
[ "$before" = "$(scripts/schema-dump.sh orchable_test)" ] || { echo "FAIL: the second push changed the schema"; exit 1; }

step "deploy: the migrations build the same database as sql/, functions/ and policies/"
db create orchable_sources current
while read -r file; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$(db url orchable_sources)" -f "$file" >/dev/null
done < <(scripts/source-files.sh)
if ! diff -u <(scripts/schema-dump.sh orchable_sources) <(scripts/schema-dump.sh orchable_test) \
        --label sources --label migrations; then
    echo "FAIL: supabase/migrations/ and the sources differ (run 'make migration' before release,"
    echo "      or write the missing delta migration)"
    exit 1
fi
echo "same schema, privileges and policies"

for name in orchable_test orchable_test_legacy; do
    step "pgTAP on $name"
    for helper in tests/helpers/*.sql; do
        psql -X -q -v ON_ERROR_STOP=1 -d "$(db admin-url "$name")" -f "$helper" >/dev/null
    done
    pg_prove --ext .sql -r --dbname "$(db admin-url "$name")" tests/db
done

step "pytest"
DATABASE_URL=$(db url orchable_test) ADMIN_DATABASE_URL=$(db admin-url orchable_test) \
    .venv/bin/pytest tests
