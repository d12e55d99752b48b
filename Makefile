# orchable: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
export PGSSLMODE := disable

.PHONY: help deps lock db db-stop psql test test-db test-py drift migration lint console screenshots demo serve psql-walkthrough bench chaos

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

deps: ## Install PostgreSQL 15 with pg_cron, pgTAP, pg_prove, the Supabase CLI and the Python tools
	@scripts/install-deps.sh

lock: deps ## Resolve pyproject.toml's dependencies again into requirements.lock (the versions make deps installs)
	@.venv/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet \
		--no-emit-package orchable --custom-compile-command "make lock" -o requirements.lock

db: deps ## Start the local PostgreSQL and deploy orchable to it with `supabase db push`
	@scripts/db.sh start
	@scripts/deploy.sh postgres current

db-stop: ## Stop the local PostgreSQL
	@scripts/db.sh stop

psql: db ## Open psql on the local database as the postgres role
	@psql "$$(scripts/db.sh url)"

test: deps ## Run every test: deploy checks, pgTAP (pg_prove), pytest and a short chaos run
	@scripts/test.sh

test-db: deps ## pgTAP only, on fresh deploys with both forms of Supabase's default privileges
	@scripts/test.sh prove

test-py: deps ## pytest only, on a fresh deploy (PYTEST_ARGS=tests/worker narrows it)
	@scripts/test.sh pytest

drift: deps ## Prove the migrations build the same database as sql/, functions/ and policies/
	@scripts/test.sh drift

migration: ## Write the delta migration of changed sources: make migration NAME=what_changed FILES="functions/..."
	@scripts/new-migration.sh $(NAME) $(FILES)

lint: deps ## Lint SQL (sqlfluff) and Python (ruff), and type-check the package (mypy, strict) and the console (tsc)
	@scripts/test.sh lint

console: deps ## Build the web console's page (React + TypeScript, esbuild) into worker/orchable/console/static/
	@scripts/console.sh build

screenshots: deps ## Screenshots of every console screen into docs/console/ (the browser tests, headless)
	@ORCHABLE_CONSOLE_SCREENSHOTS=docs/console PYTEST_ARGS='tests/console/test_*in_a_browser.py' scripts/test.sh pytest

demo: db ## Run the course builder end to end (offline provider; Gemini when GEMINI_API_KEY is set)
	@scripts/demo.sh

serve: db console ## The web console on http://127.0.0.1:8787 as the demo user (PORT=...), with answer links and hooks
	@scripts/serve.sh

psql-walkthrough: db ## Drive the same pipeline to the end with psql calls alone
	@psql -X -q "$$(scripts/db.sh url)" -f seeds/psql_walkthrough.sql

bench: deps ## Every benchmark (~20 min): queue vs PgQueuer/Procrastinate/graphile-worker, pgbench, fan-out, LLM-bound, 10k vs 1M tasks, idle workers, the console API at 1M tasks
	@.venv/bin/pip install -q -r bench/requirements.txt
	@npm install --silent --no-audit --no-fund --prefix bench/peers/graphile
	@.venv/bin/python bench/run_all.py

chaos: deps ## Kill workers, cut their connections and break the model's answers while 2,000 inputs run beside a hostile tenant; then check nothing was lost (other pipelines: chaos/run.py --shape chain|nested|approval)
	@scripts/db.sh start
	@.venv/bin/python chaos/run.py
