#!/usr/bin/env bash
# The local PostgreSQL 15 cluster orchable develops and tests against.
#   scripts/db.sh start     start the cluster (idempotent), with Supabase's stand-in applied
#   scripts/db.sh stop      stop it
#   scripts/db.sh url [DB]  print the connection URL of the postgres role (the migration owner)
#   scripts/db.sh admin-url [DB]  print the URL of the cluster's superuser (the stand-in's role)
#   scripts/db.sh worker-url [DB] print the URL of the local worker login (role orchable_worker)
#   scripts/db.sh serve-url [DB]  print the URL of the local `orchable serve` login (role orchable_serve)
#   scripts/db.sh create DB current|legacy   (re)create a database with the stand-in applied
# The cluster lives in .orchable/ (git-ignored) and listens on a free loopback port. It
# preloads pg_cron, as Supabase does, when Debian's postgresql-15-cron is installed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.orchable"
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
superuser=supabase_admin

log() { printf 'db: %s\n' "$*" >&2; }

# PostgreSQL refuses to run as root: then the data lives in a folder the postgres OS user
# owns, linked from .orchable/, so the server never needs to reach into the checkout.
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data_dir() {
    if [ "$(id -u)" = 0 ]; then
        local key
        key=$(printf '%s' "$root" | sha1sum | cut -c1-12)
        printf '/var/tmp/orchable-%s/pgdata' "$key"
    else
        printf '%s/pgdata' "$state"
    fi
}

# The running server's port, from its own postmaster.pid (line 4), so that a checkout
# that finds the cluster already running still knows where it listens.
port() {
    local pid_file
    pid_file="$(data_dir)/postmaster.pid"
    [ -r "$pid_file" ] || { echo "db: the local PostgreSQL is not running: make db" >&2; exit 1; }
    sed -n 4p "$pid_file"
}

admin_url() { printf 'postgresql://%s@127.0.0.1:%s/%s' "$superuser" "$(port)" "${1:-postgres}"; }
url() { printf 'postgresql://postgres:postgres@127.0.0.1:%s/%s' "$(port)" "${1:-postgres}"; }
worker_url() {
    printf 'postgresql://orchable_worker_login:orchable_worker@127.0.0.1:%s/%s' "$(port)" "${1:-postgres}"
}
serve_url() {
    printf 'postgresql://orchable_serve_login:orchable_serve@127.0.0.1:%s/%s' "$(port)" "${1:-postgres}"
}

# The port of the last start when it is still free, so that URLs handed out before a
# restart still work; else any free port.
free_port() {
    python3 -c '
import socket, sys
for port in (int(sys.argv[1]), 0):
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
' "$(cat "$state/port" 2>/dev/null || echo 0)"
}

running() {
    local dir
    dir=$(data_dir)
    [ -f "$dir/postmaster.pid" ] && as_server "$pgbin/pg_ctl" -D "$dir" status >/dev/null 2>&1
}

apply() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@" >/dev/null; }

init_cluster() {
    local dir
    dir=$(data_dir)
    mkdir -p "$state"
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$(dirname "$dir")"
        chown postgres: "$(dirname "$dir")"
        ln -sfn "$(dirname "$dir")" "$state/cluster"
    fi
    log "initialising a PostgreSQL 15 cluster in $dir"
    as_server "$pgbin/initdb" -D "$dir" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
fsync = on
wal_level = logical
logging_collector = off
CONF
    preload_cron || true
}

# pg_cron as Supabase runs it: loaded at start, its jobs kept in the postgres database, from
# which it runs each one in the database the job names, connecting over TCP (the cluster
# has no Unix socket). A cluster made before this gets the lines on its next start, which
# restarts it if it runs. Returns 1 when there is nothing to change.
preload_cron() {
    local conf
    conf="$(data_dir)/postgresql.conf"
    grep -q "^shared_preload_libraries = 'pg_cron'" "$conf" && return 1
    if [ ! -f "$(dirname "$pgbin")/lib/pg_cron.so" ]; then
        log "pg_cron is not installed (scripts/install-deps.sh): the cluster runs without it"
        return 1
    fi
    cat >>"$conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '127.0.0.1'
CONF
}

start() {
    local dir p
    dir=$(data_dir)
    mkdir -p "$state"
    if running; then
        preload_cron || return 0
        p=$(port)
        log "restarting PostgreSQL on 127.0.0.1:$p to load pg_cron"
        as_server "$pgbin/pg_ctl" -D "$dir" -o "-p $p" -l "$dir/server.log" -m fast -w -t 60 \
            restart >/dev/null
    else
        if [ -f "$dir/PG_VERSION" ]; then preload_cron || true; else init_cluster; fi
        p=$(free_port)
        echo "$p" >"$state/port"
        log "starting PostgreSQL on 127.0.0.1:$p"
        as_server "$pgbin/pg_ctl" -D "$dir" -o "-p $p" -l "$dir/server.log" -w -t 60 start >/dev/null
    fi
    apply -d "$(admin_url postgres)" -f "$root/scripts/standin/0010_roles.sql"
    # As on Supabase, the project's database belongs to the postgres role.
    apply -d "$(admin_url template1)" -c "alter database postgres owner to postgres"
    if apply -d "$(admin_url postgres)" -c "show cron.database_name" 2>/dev/null; then
        apply -d "$(admin_url postgres)" -f "$root/scripts/standin/0040_pg_cron.sql"
    fi
}

create() {
    local db=$1 form=$2
    apply -d "$(admin_url template1)" -c "drop database if exists \"$db\" with (force)"
    apply -d "$(admin_url template1)" -c "create database \"$db\" owner postgres"
    standin "$db" "$form"
}

standin() {
    local db=$1 form=$2
    apply -d "$(admin_url "$db")" -f "$root/scripts/standin/0020_database.sql"
    apply -d "$(admin_url "$db")" -f "$root/scripts/standin/0030_privileges_$form.sql"
}

stop() {
    if running; then
        as_server "$pgbin/pg_ctl" -D "$(data_dir)" -m fast -w stop >/dev/null
        log "stopped"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url "${2:-postgres}" ;;
    admin-url) admin_url "${2:-postgres}" ;;
    worker-url) worker_url "${2:-postgres}" ;;
    serve-url) serve_url "${2:-postgres}" ;;
    create) create "$2" "$3" ;;
    standin) standin "$2" "$3" ;;
    *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
