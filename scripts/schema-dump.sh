#!/usr/bin/env bash
# Prints a normalized dump of what orchable deploys, for comparing two databases: the
# schemas it owns (objects, privileges, policies, comments) and the data it deploys (model
# prices, monitor templates, limits, failure kinds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
url=$("$root/scripts/db.sh" admin-url "$1")
{
    pg_dump --schema-only --schema=public --schema=orchable --no-owner --dbname "$url"
    # The data the migrations deploy, without the columns a deploy sets by itself.
    for table in public.ai_models public.monitor_templates orchable.limits orchable.failure_kinds; do
        psql -X -q -A -t -d "$url" -c "select to_jsonb(d) - 'id' - 'created_at' - 'updated_at' as row
            from $table as d order by 1"
    done
} | grep -vE '^(--|SET |SELECT pg_catalog.set_config|\\restrict|\\unrestrict)' | sed '/^$/d'
