#!/usr/bin/env bash
# Installs what orchable needs on a fresh Debian machine, skipping what is already there:
# PostgreSQL 15 with pgTAP, pg_cron and pg_prove, PgBouncer and Chromium (Debian packages;
# Chromium for the console's browser tests), the pinned Supabase CLI (npm), and the Python
# package with its development tools at the versions of requirements.lock (.venv). The
# tests start their own PgBouncer on a free port; the Debian package's service is not
# needed and is disabled.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf 'deps: %s\n' "$*" >&2; }

packages=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || packages+=(postgresql-15 postgresql-client-15)
[ -f /usr/share/postgresql/15/extension/pgtap.control ] || packages+=(postgresql-15-pgtap)
[ -f /usr/share/postgresql/15/extension/pg_cron.control ] || packages+=(postgresql-15-cron)
command -v pg_prove >/dev/null || packages+=(libtap-parser-sourcehandler-pgtap-perl)
command -v pgbench >/dev/null || packages+=(postgresql-contrib)
[ -x /usr/sbin/pgbouncer ] || packages+=(pgbouncer)
# The console's browser tests drive Debian's Chromium (Playwright never downloads one).
[ -x /usr/bin/chromium ] || packages+=(chromium fonts-liberation)
if [ ${#packages[@]} -gt 0 ]; then
    log "installing Debian packages: ${packages[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    if [[ " ${packages[*]} " == *" pgbouncer "* ]] && [ -d /run/systemd/system ]; then
        $sudo systemctl disable --now pgbouncer >/dev/null 2>&1 || true
    fi
fi

# npm ci refuses this lock file (it omits the CLI's binaries for other platforms, an npm
# bug); the exact pin in package.json and the CLI's own exact pins make install as strict.
if [ "$(node_modules/.bin/supabase --version 2>/dev/null)" != "$(node -p 'require("./package.json").devDependencies.supabase')" ]; then
    log "installing the Supabase CLI from npm"
    npm install --no-audit --no-fund --loglevel=error
fi

# Every Python package at the version requirements.lock names (make lock writes it).
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    log "installing the Python package and its development tools into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
    touch "$stamp"
fi
