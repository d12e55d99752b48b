#!/usr/bin/env bash
# Deploys supabase/migrations/ to a local database with the real Supabase CLI,
# as Supabase does: `supabase db push --remote=<url>`, connected as the postgres role.
#   scripts/deploy.sh DB current|legacy    create DB with the stand-in if missing, then push
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=${1:-postgres}
form=${2:-current}
export PGSSLMODE=disable
if ! psql -X -tA "$("$root/scripts/db.sh" admin-url)" -c "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    "$root/scripts/db.sh" create "$db" "$form"
elif ! psql -X -tA "$("$root/scripts/db.sh" admin-url "$db")" -c "select 1 from pg_namespace where nspname = 'auth'" | grep -q 1; then
    "$root/scripts/db.sh" standin "$db" "$form"
fi
# A migration edited before its release keeps its version, so push would skip it: a
# local database deployed from other migration files is built again from scratch.
mkdir -p "$root/.orchable"
stamp="$root/.orchable/deployed-$db"
sum=$(cat "$root"/supabase/migrations/*.sql | sha1sum | cut -c1-40)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$sum" ]; then
    echo "deploy: supabase/migrations/ changed since $db was deployed; rebuilding $db" >&2
    "$root/scripts/db.sh" create "$db" "$form"
fi
cd "$root"
node_modules/.bin/supabase db push --remote="$("$root/scripts/db.sh" url "$db")" --yes 2>&1 \
    | grep -vE 'without TLS|^│$' | sed "s/^/supabase: /"
echo "$sum" >"$stamp"
# The local worker and serve logins, as a deployment creates them (README): least privilege.
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$("$root/scripts/db.sh" admin-url "$db")" >/dev/null <<'SQL'
do $$
begin
    if not exists (select from pg_roles where rolname = 'orchable_worker_login') then
        create role orchable_worker_login login password 'orchable_worker';
    end if;
    if not exists (select from pg_roles where rolname = 'orchable_serve_login') then
        create role orchable_serve_login login password 'orchable_serve';
    end if;
end
$$;
grant orchable_worker to orchable_worker_login;
alter role orchable_worker_login set statement_timeout = '60s';
grant orchable_serve to orchable_serve_login;
alter role orchable_serve_login set statement_timeout = '10s';
SQL
