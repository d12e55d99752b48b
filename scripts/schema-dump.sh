#!/usr/bin/env bash
# Prints a normalized dump of what orchable deploys, for comparing two databases: the
# schemas it owns (objects, privileges, policies, comments) and its deployed data (the
# model prices).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
url=$("$root/scripts/db.sh" admin-url "$1")
{
    pg_dump --schema-only --schema=public --schema=orchable --no-owner --dbname "$url"
    psql -X -q -A -t -d "$url" \
        -c "select to_jsonb(m) - 'created_at' - 'updated_at' from public.ai_models m order by provider, model"
} | grep -vE '^(--|SET |SELECT pg_catalog.set_config|\\restrict|\\unrestrict)' | sed '/^$/d'
