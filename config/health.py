"""/healthz: database, broker and worker heartbeat, each named when it fails."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True}
    except Exception as exc:  # any failure means "down", and says why
        return {"ok": False, "error": exc.__class__.__name__}


def _broker() -> dict:
    url = settings.CELERY_BROKER_URL
    try:
        with Connection(url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": url.split(":", 1)[0]}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _worker() -> dict:
    from tenancy.models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if last is None:
        return {"ok": False, "error": "no heartbeat yet"}
    age = timezone.now() - last
    ok = age <= timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    result = {"ok": ok, "last_heartbeat": last.isoformat(), "age_seconds": round(age.total_seconds(), 1)}
    if not ok:
        result["error"] = "heartbeat too old"
    return result


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    checks["worker"] = _worker() if checks["database"]["ok"] else {"ok": False, "error": "database down"}
    failing = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "ok" if not failing else "fail", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if not failing else 503)
