#!/usr/bin/env bash
# Lists the schema's source files in the order they are applied: sql/ (schemas, roles,
# tables, views), then functions/ (helpers, triggers, RPCs), then policies/ (RLS, grants),
# each folder in the order of its numbered file names; then the data every database needs
# (seeds/ai_models.sql, the model prices).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in sql functions policies; do
    find "$root/$dir" -maxdepth 1 -name '*.sql' | LC_ALL=C sort
done
echo "$root/seeds/ai_models.sql"
