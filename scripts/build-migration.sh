#!/usr/bin/env bash
# Writes the first, not yet released migration from the sources. Released migrations are
# never edited: a change after release is a new file in supabase/migrations/ written by
# hand, and the drift check in `make test` proves it matches the sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/supabase/migrations/20261121000000_orchable_core.sql"
{
    echo "-- orchable core schema. Generated from sql/, functions/ and policies/"
    echo "-- by scripts/build-migration.sh; read those folders, not this file."
    while read -r file; do
        printf '\n-- %s\n' "${file#"$root"/}"
        cat "$file"
    done < <("$root/scripts/source-files.sh")
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote ${out#"$root"/}"
