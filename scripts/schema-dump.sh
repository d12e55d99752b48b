#!/usr/bin/env bash
# Prints a normalized schema-only dump (objects, privileges, policies, comments) of the
# schemas orchable owns, for comparing two databases.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pg_dump --schema-only --schema=public --schema=orchable --no-owner \
    --dbname "$("$root/scripts/db.sh" admin-url "$1")" \
    | grep -vE '^(--|SET |SELECT pg_catalog.set_config|\\restrict|\\unrestrict)' | sed '/^$/d'
