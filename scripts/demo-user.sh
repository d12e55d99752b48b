#!/usr/bin/env bash
# The local demo user (make demo, make serve), made in the local database if missing; prints
# its id. It stands in for a user signed in through Supabase Auth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
owner=00000000-0000-0000-0000-00000000d3e0
PGSSLMODE=disable psql -X -q -v ON_ERROR_STOP=1 -d "$("$root/scripts/db.sh" admin-url)" -c \
    "insert into auth.users (id, email, role, aud) values ('$owner', 'demo@orchable.local', 'authenticated', 'authenticated') on conflict (id) do nothing" >/dev/null
echo "$owner"
