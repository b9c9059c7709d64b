#!/usr/bin/env bash
# `make run`: migrate, seed the demo, and serve web + Celery worker + beat until Ctrl-C.
# Embedded default: SQLite and Celery's filesystem transport under var/. With DATABASE_URL
# (application role), DATABASE_OWNER_URL (owner, for migrations) and CELERY_BROKER_URL set,
# the same on PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
mkdir -p var/celery/queue var/celery/processed var/celery/control var/cache
if [ -n "${DATABASE_URL:-}" ]; then echo "==> database: PostgreSQL (DATABASE_URL)"; else echo "==> database: embedded SQLite (var/accountdesk.sqlite3)"; fi
if [ -n "${CELERY_BROKER_URL:-}" ]; then echo "==> broker: $CELERY_BROKER_URL"; else echo "==> broker: Celery filesystem transport (var/celery/)"; fi
$PY manage.py migrate --database owner --noinput
$PY manage.py seed_demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping web, worker and beat"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 --hostname="accountdesk@%h" > var/worker.log 2>&1 & pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule > var/beat.log 2>&1 & pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 & pids+=($!)
sleep 2
cat <<MSG

  AccountDesk is running at http://127.0.0.1:8000
  Sign in as admin@porta.example, lead@porta.example, ae@porta.example, ae2@porta.example,
  finance@porta.example (and the same at nordwind.example) with the password accountdesk-demo
  (demo data, development only). Worker and beat log to var/worker.log and var/beat.log.
  Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}" || true
