#!/usr/bin/env bash
# Serve web + Celery worker + beat until Ctrl-C or TERM, then stop all three within seconds.
# `make run` (scripts/run.sh) calls this after migrating and seeding; tests start it directly.
#
#   ACCOUNTDESK_PORT   the web port on 127.0.0.1 (default 8000)
#   ACCOUNTDESK_DEBUG  1: Django's debug pages and the code autoreloader (developers only)
#   ACCOUNTDESK_VAR_DIR, DATABASE_URL, CELERY_BROKER_URL: as in config/settings/base.py
#
# Stopping used to hang: Ctrl-C (or TERM to our process group) reached every process at once,
# the worker's prefork pool processes included; a pool process killed while it held the
# pool's queue lock left the worker's main process waiting for that lock forever in "Warm
# shutdown". Now each service runs in a process group of its own (set -m), so only this
# script gets the signal; it sends one TERM to each service's main process, which stops its
# own children, and kills whatever still runs after STOP_GRACE_SECONDS with its whole group.
# A second Ctrl-C kills at once. The worker is one process (--pool=solo): nothing to orphan,
# and the quickest warm shutdown the filesystem transport allows (it notices the signal
# between two polls of its folder, within about two seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PY=.venv/bin/python
PORT=${ACCOUNTDESK_PORT:-8000}
VAR=${ACCOUNTDESK_VAR_DIR:-var}
STOP_GRACE_SECONDS=7
export ACCOUNTDESK_BASE_URL=${ACCOUNTDESK_BASE_URL:-http://127.0.0.1:$PORT}
mkdir -p "$VAR/celery/queue" "$VAR/celery/processed" "$VAR/celery/control" "$VAR/cache"

reload=--noreload
case "$(printf %s "${ACCOUNTDESK_DEBUG:-}" | tr '[:upper:]' '[:lower:]')" in
  1 | true | yes | on) reload= ;;
esac

pids=()
running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && return 0; done
  return 1
}
stop() {
  local status=$? pid deadline=$((SECONDS + STOP_GRACE_SECONDS)) now=
  trap - EXIT
  trap 'now=1' INT TERM HUP
  echo; echo "==> stopping web, worker and beat"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  while running && [ -z "$now" ] && ((SECONDS < deadline)); do sleep 0.2; done
  if running; then echo "==> still running after ${STOP_GRACE_SECONDS}s, or asked twice: killing"; fi
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit "$status"
}
trap stop INT TERM HUP EXIT

set -m
.venv/bin/celery -A config worker --pool=solo --without-gossip --without-mingle --without-heartbeat \
  --loglevel=INFO --hostname="accountdesk@%h" < /dev/null > "$VAR/worker.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO < /dev/null > "$VAR/beat.log" 2>&1 &
pids+=($!)
$PY manage.py runserver $reload "127.0.0.1:$PORT" < /dev/null &
pids+=($!)
set +m

$PY - "$PORT" <<'PYEOF' || true
import sys, time, urllib.error, urllib.request

deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        break
    except urllib.error.HTTPError:
        break  # it answers (503 until the worker's first heartbeat)
    except OSError:
        time.sleep(0.3)
PYEOF
cat <<MSG

  AccountDesk is running at http://127.0.0.1:$PORT
  Worker and beat log to $VAR/worker.log and $VAR/beat.log.
  Press Ctrl-C to stop everything.

MSG
# Here until a signal runs `stop`, or a service ends by itself (a taken port, say): then the
# others are stopped too and the command fails.
wait -n "${pids[@]}" || true
echo "==> a service stopped by itself; see the output above and $VAR/worker.log, $VAR/beat.log" >&2
exit 1
