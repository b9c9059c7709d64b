from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tenancy.models import WorkerHeartbeat
from tenancy.tasks import worker_heartbeat
from tests.conftest import wait_for


def test_healthz_is_200_when_database_broker_and_a_real_worker_are_up(transactional_db, celery_worker_process):
    # given a heartbeat sent through Redis and run by the worker process
    worker_heartbeat.delay()
    wait_for(lambda: WorkerHeartbeat.objects.exists())
    # when
    response = Client().get("/healthz")
    body = response.json()
    # then
    assert response.status_code == 200
    assert (body["status"], body["failing"], body["checks"]["database"], body["checks"]["broker"]) == (
        "ok",
        [],
        {"ok": True},
        {"ok": True, "transport": "redis"},
    )
    assert body["checks"]["worker"]["ok"] is True and body["checks"]["worker"]["age_seconds"] < 30


def test_healthz_names_the_worker_when_its_heartbeat_is_old(db, settings):
    WorkerHeartbeat.objects.create(
        worker="w1", seen_at=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5)
    )
    response = Client().get("/healthz")
    assert (response.status_code, response.json()["failing"], response.json()["checks"]["worker"]["error"]) == (
        503,
        ["worker"],
        "heartbeat too old",
    )


def test_healthz_names_the_worker_when_there_was_never_a_heartbeat(db):
    response = Client().get("/healthz")
    assert (response.status_code, response.json()["failing"], response.json()["checks"]["worker"]) == (
        503,
        ["worker"],
        {"ok": False, "error": "no heartbeat yet"},
    )


def test_healthz_names_the_broker_when_it_is_unreachable(db, settings):
    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert (response.status_code, response.json()["failing"], response.json()["checks"]["broker"]["ok"]) == (
        503,
        ["broker"],
        False,
    )
