#!/usr/bin/env bash
# The web console's page (console/: React + TypeScript): installs its npm packages at the
# versions of console/package-lock.json when they changed (npm ci), then
#   scripts/console.sh build   bundles it with esbuild into worker/orchable/console/static/
#   scripts/console.sh check   type-checks it (tsc --noEmit, strict)
# The bundle is not committed: `make console` (and `make test`) build it, and the Python
# package carries it (package data), so `pip install` needs no Node.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/console"
stamp=node_modules/.installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    echo "console: installing its npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
case "${1:-build}" in
    build) npm run --silent build ;;
    check) npm run --silent check ;;
    *) echo "usage: scripts/console.sh [build|check]" >&2; exit 2 ;;
esac
