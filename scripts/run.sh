#!/usr/bin/env bash
# `make run`: install, migrate, seed the demo, then serve web + Celery worker + beat until
# Ctrl-C (scripts/serve.sh). Embedded default: SQLite and Celery's filesystem transport under
# var/. With DATABASE_URL (application role), DATABASE_OWNER_URL (owner, for migrations) and
# CELERY_BROKER_URL set, the same on PostgreSQL and Redis. DEBUG is off (the product's own
# error pages); ACCOUNTDESK_DEBUG=1 turns Django's debug pages and autoreload on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
if [ -n "${DATABASE_URL:-}" ]; then echo "==> database: PostgreSQL (DATABASE_URL)"; else echo "==> database: embedded SQLite (${ACCOUNTDESK_VAR_DIR:-var}/accountdesk.sqlite3)"; fi
if [ -n "${CELERY_BROKER_URL:-}" ]; then echo "==> broker: $CELERY_BROKER_URL"; else echo "==> broker: Celery filesystem transport (${ACCOUNTDESK_VAR_DIR:-var}/celery/)"; fi
mkdir -p "${ACCOUNTDESK_VAR_DIR:-var}"
$PY manage.py migrate --database owner --noinput
$PY manage.py seed_demo  # prints the demo logins
exec scripts/serve.sh
