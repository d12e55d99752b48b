#!/usr/bin/env bash
# Lists the schema's source files in the order they are applied: sql/ (schemas, roles,
# tables, views, the model prices), then functions/ (helpers, triggers, RPCs), then
# policies/ (RLS, grants). Inside each, the domain folders (platform, pipelines, tasks,
# keys, calls) draw the architecture and the file numbers give the order across them,
# so a number is used once per top folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in sql functions policies; do
    files=$(find "$root/$dir" -name '*.sql' -printf '%f %p\n' | LC_ALL=C sort)
    duplicates=$(cut -c1-4 <<<"$files" | uniq -d)
    if [ -n "$duplicates" ]; then
        echo "source-files: $dir/ uses the number(s) $duplicates twice" >&2
        exit 1
    fi
    cut -d' ' -f2 <<<"$files"
done
