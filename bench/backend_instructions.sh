#!/usr/bin/env bash
# Instructions PostgreSQL executes per task drained, counted by valgrind (callgrind): a
# figure that repeats to 0.2%, where CPU seconds on a small machine spread by 15%. For
# comparing two versions of the schema, not for comparing with peers (that is make bench).
#
#   bench/backend_instructions.sh [variant.sql...]
#
# A fresh deploy of this checkout is copied into a scratch cluster (optionally changed by
# the variant files, run as postgres), 5,120 one-stage tasks are launched and analyzed, and
# the worker's transactions are replayed in single-user mode: claim 256, then
# complete_tasks and record_llm_calls for them. The figure is the steady state: the
# instructions of 20 rounds minus those of 10, per task. Needs valgrind; about 3 minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/orchable-instructions.XXXXXX)
chmod 755 "$work"
port=${INSTRUCTIONS_PORT:-5499}
trap 'rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "backend_instructions: needs valgrind (apt install valgrind)" >&2; exit 2; }

as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi

# A fresh deploy of the checkout, dumped with the cluster's roles.
"$root/scripts/db.sh" start >/dev/null
"$root/scripts/db.sh" create orchable_instructions current >/dev/null 2>&1
"$root/scripts/deploy.sh" orchable_instructions current >/dev/null 2>&1
pg_dumpall -g -d "$("$root/scripts/db.sh" admin-url postgres)" >"$work/roles.sql"
pg_dump -Fc -d "$("$root/scripts/db.sh" admin-url orchable_instructions)" -f "$work/db.dump"
chmod 644 "$work/roles.sql" "$work/db.dump"

cat >"$work/setup.sql" <<'SQL'
insert into auth.users (id, email) values ('00000000-0000-0000-0000-000000000001', 'instructions@example.test');
select (upsert_orchestrator('{"name": "instructions", "owner_id": "00000000-0000-0000-0000-000000000001", "entry": "answer", "stages": [{"key": "answer", "template": "Answer {{n}}", "ai_settings": {"provider": "offline"}}]}'::jsonb)).id;
select (launch_batch((select id from public.orchestrators where name = 'instructions'), (select jsonb_agg(jsonb_build_object('n', i)) from generate_series(1, 5120) as i))).id;
analyze;
SQL
drain() {
    cat <<SQL
do \$\$
declare
    v jsonb;
begin
    for i in 1..$1 loop
        select jsonb_agg(jsonb_build_object('task_id', c.task_id, 'claim_token', c.claim_token)) into v
        from public.claim_tasks('instructions', 256, 300) as c;
        commit;
        perform count(*) from public.complete_tasks((
            select jsonb_agg(e || '{"output": {"answer": "aaaaaaaaaaaaaaaaaaaa", "n": 1}, "usage": {"input_tokens": 5, "output_tokens": 7}, "provenance": {"provider": "offline", "model": "offline-echo"}}'::jsonb)
            from jsonb_array_elements(v) as e));
        perform public.record_llm_calls((
            select jsonb_agg(jsonb_build_object('task_id', e ->> 'task_id', 'provider', 'offline', 'model', 'offline-echo', 'outcome', 'success', 'input_tokens', 5, 'output_tokens', 7, 'latency_ms', 0, 'response_id', 'x'))
            from jsonb_array_elements(v) as e));
        commit;
    end loop;
end
\$\$;
SQL
}

# One measurement: a new cluster from the dump, the variants, the setup, then `rounds`
# rounds under callgrind, counting only inside the DO block. Prints the instructions.
measure() {
    local rounds=$1 data="$work/data"
    shift
    rm -rf "$data"
    as_server "$pgbin/initdb" -U supabase_admin -D "$data" >/dev/null 2>&1
    printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$port" "$work" >>"$data/postgresql.conf"
    as_server "$pgbin/pg_ctl" -D "$data" -l "$work/server.log" -w start >/dev/null
    local url="postgresql://supabase_admin@127.0.0.1:$port"
    psql -qX "$url/postgres" -f "$work/roles.sql" >/dev/null 2>&1 || true
    psql -qX "$url/postgres" -c "create database orchable_instructions" >/dev/null
    pg_restore -d "$url/orchable_instructions" "$work/db.dump" 2>/dev/null || true
    for variant in "$@"; do
        psql -qX -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/orchable_instructions" -f "$variant" >/dev/null
    done
    as_server "$pgbin/pg_ctl" -D "$data" -w stop >/dev/null
    as_server "$pgbin/postgres" --single -j -D "$data" orchable_instructions <"$work/setup.sql" >"$work/setup.out" 2>&1
    drain "$rounds" >"$work/drain.sql"
    (cd "$work" && as_server valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$rounds" \
        --toggle-collect=ExecuteDoStmt "$pgbin/postgres" --single -j -D "$data" orchable_instructions \
        <"$work/drain.sql" >"$work/drain.out" 2>"$work/valgrind.err")
    if grep -qi 'error' "$work/setup.out" "$work/drain.out"; then
        grep -hi 'error' "$work/setup.out" "$work/drain.out" | head -3 >&2
        exit 1
    fi
    awk '/^(summary|totals):/ { print $2; exit }' "$work/callgrind.$rounds"
}

ten=$(measure 10 "$@")
twenty=$(measure 20 "$@")
echo "backend instructions per task drained: $(((twenty - ten) / 2560))"
