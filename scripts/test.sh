#!/usr/bin/env bash
# `make test`: deploys orchable with the real Supabase CLI to two fresh databases (one with
# Supabase's current default privileges, one with the older ones), proves a second push is
# a no-op and that the migrations equal the sources, then runs pgTAP on both databases,
# pytest on the first, and a short `make chaos` (300 inputs) on a third.
#   scripts/test.sh [all|lint|drift|prove|pytest|chaos]   one step for the inner loop
#   (the database steps deploy what they need first); PYTEST_ARGS narrows pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PGSSLMODE=disable
db() { scripts/db.sh "$@"; }
# Several checkouts or runs on one cluster keep apart with ORCHABLE_TEST_DB=<prefix>.
test_db=${ORCHABLE_TEST_DB:-orchable_test}
step() { printf '\n== %s\n' "$*"; }

lint() {
    step "lint: ruff, mypy (strict, worker/orchable) and sqlfluff"
    .venv/bin/ruff check worker tests bench chaos
    .venv/bin/ruff format --check worker tests bench chaos
    .venv/bin/mypy
    .venv/bin/sqlfluff lint sql functions policies --processes 2
    step "lint: the console's TypeScript (tsc --noEmit, strict)"
    scripts/console.sh check
}

deploy() {
    db start
    step "deploy: supabase db push to fresh databases (current and legacy default privileges)"
    db create ${test_db} current
    db create ${test_db}_legacy legacy
    scripts/deploy.sh ${test_db} current
    scripts/deploy.sh ${test_db}_legacy legacy
}

second_push() {
    step "deploy: a second push is a no-op"
    local before second
    before=$(scripts/schema-dump.sh ${test_db})
    second=$(scripts/deploy.sh ${test_db} current)
    echo "$second"
    grep -q 'up to date' <<<"$second" || { echo "FAIL: the second push applied something"; exit 1; }
    [ "$before" = "$(scripts/schema-dump.sh ${test_db})" ] || { echo "FAIL: the second push changed the schema"; exit 1; }
}

drift() {
    step "deploy: the migrations build the same database as sql/, functions/ and policies/"
    db create ${test_db}_sources current
    while read -r file; do
        psql -X -q -v ON_ERROR_STOP=1 -d "$(db url ${test_db}_sources)" -f "$file" >/dev/null
    done < <(scripts/source-files.sh)
    if ! diff -u <(scripts/schema-dump.sh ${test_db}_sources) <(scripts/schema-dump.sh ${test_db}) \
            --label sources --label migrations; then
        echo "FAIL: supabase/migrations/ and the sources differ (write the missing delta migration with"
        echo "      scripts/new-migration.sh)"
        exit 1
    fi
    echo "same schema, privileges, policies and deployed data"
}

prove() {
    local name helper
    for name in ${test_db} ${test_db}_legacy; do
        step "pgTAP on $name"
        for helper in tests/helpers/*.sql; do
            psql -X -q -v ON_ERROR_STOP=1 -d "$(db admin-url "$name")" -f "$helper" >/dev/null
        done
        pg_prove --ext .sql -r --dbname "$(db admin-url "$name")" tests/db
    done
}

run_pytest() {
    step "pytest (the console's page built first: its browser tests load it)"
    scripts/console.sh build
    local helper template=${test_db}_template
    for helper in tests/helpers/*.sql; do  # again after `prove`: quietly
        PGOPTIONS="-c client_min_messages=warning" \
            psql -X -q -v ON_ERROR_STOP=1 -d "$(db admin-url ${test_db})" -f "$helper" >/dev/null
    done
    # The template of the database each test that works the queue gets of its own
    # (tests/support/databases.py): the deployed database and its helpers, taken while no
    # one is connected, then closed to connections so that cloning it never waits.
    PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$(db admin-url)" \
        -c "drop database if exists \"$template\" with (force)" \
        -c "create database \"$template\" template \"${test_db}\" owner postgres" \
        -c "alter database \"$template\" allow_connections false"
    # shellcheck disable=SC2086  # PYTEST_ARGS is a list of arguments
    DATABASE_URL=$(db url ${test_db}) ADMIN_DATABASE_URL=$(db admin-url ${test_db}) \
        WORKER_DATABASE_URL=$(db worker-url ${test_db}) \
        TEMPLATE_DATABASE_URL=$(db admin-url "$template") .venv/bin/pytest ${PYTEST_ARGS:-tests}
}

chaos() {
    step "chaos: 300 inputs while workers are killed, their connections cut and the model's answers broken"
    db start
    db create ${test_db}_chaos current
    scripts/deploy.sh ${test_db}_chaos current >/dev/null
    DATABASE_URL=$(db url ${test_db}_chaos) ADMIN_DATABASE_URL=$(db admin-url ${test_db}_chaos) \
        WORKER_DATABASE_URL=$(db worker-url ${test_db}_chaos) .venv/bin/python chaos/run.py --inputs 300
}

case "${1:-all}" in
    all) lint; deploy; second_push; drift; prove; run_pytest; chaos ;;
    lint) lint ;;
    drift) db start; db create ${test_db} current; scripts/deploy.sh ${test_db} current; drift ;;
    prove) deploy; prove ;;
    pytest) db start; db create ${test_db} current; scripts/deploy.sh ${test_db} current; run_pytest ;;
    chaos) chaos ;;
    *) echo "usage: scripts/test.sh [all|lint|drift|prove|pytest|chaos]" >&2; exit 2 ;;
esac
