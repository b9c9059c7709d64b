# AccountDesk. Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: help install lint format run db test test-fast test-e2e bench bench-billing bench-offers bench-instructions messages check-deploy clean

help:
	@echo "make run          install, migrate, seed the demo, serve web + worker + beat on http://127.0.0.1:8000 (ACCOUNTDESK_PORT); DEBUG off unless ACCOUNTDESK_DEBUG=1"
	@echo "make test         the whole suite on real PostgreSQL, Redis, a Celery worker and Chromium"
	@echo "make lint         ruff: format check, lint, import order (CI runs it before the tests)"
	@echo "make format       ruff: format the code and fix what it can"
	@echo "make test-fast    the suite without the browser tests"
	@echo "make test-e2e     only the browser tests"
	@echo "make db           create the PostgreSQL roles and the accountdesk database (idempotent)"
	@echo "make bench        benchmarks (bench/): the pages, then billing, then offers"
	@echo "make bench-billing  only the billing bench (bench/billing_run.py)"
	@echo "make bench-offers   only the offers bench (bench/offers_run.py; builds the billing tenant first if needed)"
	@echo "make bench-instructions  instructions per request of the benchmarked pages (valgrind)"
	@echo "make messages     extract and compile the es/ca translations"

install:
	@scripts/install.sh

lint: install
	@.venv/bin/ruff format --check .
	@.venv/bin/ruff check .

format: install
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

run:
	@scripts/run.sh

db: install
	@.venv/bin/python scripts/pg_setup.py accountdesk

test: install
	@scripts/test.sh

test-fast: install
	@scripts/test.sh -m "not e2e"

test-e2e: install
	@scripts/test.sh -m e2e

bench: install
	@scripts/bench.sh
	@BENCH_MODULE=bench.billing_run scripts/bench.sh
	@BENCH_MODULE=bench.offers_run scripts/bench.sh

bench-billing: install
	@BENCH_MODULE=bench.billing_run scripts/bench.sh

bench-offers: install
	@BENCH_MODULE=bench.offers_run scripts/bench.sh

bench-instructions: install
	@DJANGO_SETTINGS_MODULE=config.settings.bench .venv/bin/python -m bench.instructions

messages: install
	@.venv/bin/python manage.py makemessages -l es -l ca --ignore .venv --ignore .tools --ignore var --ignore tests --ignore bench
	@.venv/bin/python manage.py compilemessages --ignore .venv --ignore .tools

check-deploy: install
	@DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  DJANGO_ALLOWED_HOSTS=accountdesk.example DATABASE_URL=postgres://u:p@127.0.0.1:5432/accountdesk \
	  CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf .venv .tools var
