#!/usr/bin/env bash
# `make bench`: a database of its own (accountdesk_bench), migrated as the owner, measured as
# the application role. Prints one JSON line per page and tenant size.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.bench
.venv/bin/python scripts/pg_setup.py accountdesk_bench > /dev/null
.venv/bin/python manage.py migrate --database owner --noinput -v 0
exec .venv/bin/python -m "${BENCH_MODULE:-bench.run}" "$@"
