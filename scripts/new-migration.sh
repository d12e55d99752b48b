#!/usr/bin/env bash
# Writes a delta migration for source files changed after release: released migrations
# are never edited. Each file's text is copied as it is, except that `create function` and
# `create view` become `create or replace ...`, and every `create trigger T ... on X` is
# preceded by `drop trigger if exists T on X`. The drift check of `make test` then proves
# that the migrations build the same database as the sources.
#   scripts/new-migration.sh <name> <source file>...
# A change the copy cannot express (a new column, a changed return type) is written by
# hand in the migration it prints.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: scripts/new-migration.sh <name> <source file>...}
shift
[ $# -gt 0 ] || { echo "name at least one source file" >&2; exit 2; }
out="$root/supabase/migrations/$(date -u +%Y%m%d%H%M%S)_${name}.sql"
{
    echo "-- Delta from the sources below, written by scripts/new-migration.sh."
    for file in "$@"; do
        printf '\n-- %s\n' "${file#"$root"/}"
        perl -0pe '
            s/^create function /create or replace function /mg;
            s/^create view /create or replace view /mg;
            s/^(create trigger (\S+)\n(?:after|before|instead of) [^\n]*? on (\S+)\n)/drop trigger if exists $2 on $3;\n$1/mg;
        ' "$file"
    done
} >"$out"
echo "wrote ${out#"$root"/}"
