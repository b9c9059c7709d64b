#!/usr/bin/env bash
# `make test`: the whole suite against real PostgreSQL (as the application role), Redis,
# a real Celery worker and the system Chromium. Fails loudly, naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}
REDIS_HOST=127.0.0.1; REDIS_PORT=6379

if ! $PY - "$PGHOST" "$PGPORT" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError:
    sys.exit(1)
PYEOF
then
  echo "PostgreSQL is not reachable at $PGHOST:$PGPORT. Start it: pg_ctlcluster --skip-systemctl-redirect 15 main start" >&2
  exit 2
fi
if ! $PY -c "import redis,sys; redis.Redis(host='$REDIS_HOST', port=$REDIS_PORT, socket_timeout=3).ping()" 2>/dev/null; then
  echo "Redis is not reachable at $REDIS_HOST:$REDIS_PORT. Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no" >&2
  exit 2
fi
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is not installed at $CHROMIUM (the browser tests need it). Install it: apt-get update && apt-get install -y chromium" >&2
  exit 2
fi
# Roles (owner, application) must exist; the suite creates its own database as the owner.
$PY scripts/pg_setup.py accountdesk > /dev/null
exec $PY -m pytest "$@"
