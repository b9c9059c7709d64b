"""The suite's real parts: its own PostgreSQL database (migrated as the owner, used as the
application role), Redis, a Celery worker process, and the demo-like organisations."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from psycopg2 import sql

from tenancy.scope import tenant_scope
from tests.factories import build_organization

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pg_setup  # noqa: E402


def _owner_dsn(dbname: str) -> dict:
    owner = settings.DATABASES["owner"]
    return {
        "dbname": dbname,
        "user": owner["USER"],
        "password": owner["PASSWORD"],
        "host": owner["HOST"] or "127.0.0.1",
        "port": owner["PORT"] or 5432,
    }


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Create the test database as the owner role, migrate it as the owner, and leave the
    application role (DATABASES["default"]) with rows-only privileges: row-level security
    binds every test exactly as it binds the product."""
    name = settings.DATABASES["default"]["NAME"]
    app = settings.DATABASES["default"]
    assert app["ENGINE"].endswith("postgresql"), "The suite runs on PostgreSQL only."
    try:
        admin = psycopg2.connect(**_owner_dsn("postgres"))
    except psycopg2.OperationalError as exc:
        pytest.exit(
            f"PostgreSQL is not reachable as {settings.DATABASES['owner']['USER']}: {exc}. Run `make db` (and start PostgreSQL).",
            returncode=2,
        )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    os.environ.setdefault("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    pg_setup.ADMIN_URL = "postgres://{user}:{password}@{host}:{port}/postgres".format(**_owner_dsn("postgres"))
    pg_setup.prepare_database(name, test=True)
    with django_db_blocker.unblock():
        call_command("migrate", database="owner", verbosity=0, interactive=False)
        for alias in connections:
            connections[alias].close()
    yield
    with django_db_blocker.unblock():
        for alias in connections:
            connections[alias].close()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a page asked for in Catalan leaves Catalan
    active in this thread (each request activates its own), and the tests that need a
    transaction of their own run last, after all of them."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


# The world is built once and committed; each test that uses it runs in a transaction that is
# rolled back, as Django's TestCase.setUpTestData does for a class. The database tests that do
# not use it run before it is built; the tests that need a transaction of their own run after
# all of them, and the first of those empties the database (the next ones flush after
# themselves).
_committed = {"world": False}


def _needs_own_transaction(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """pytest-django's order, with the database tests that use the committed `world` after
    those that do not (which start from an empty database, as before)."""

    def order(item) -> int:
        if _needs_own_transaction(item):
            return 2
        if "world" in item.fixturenames:
            return 1
        return 0 if "db" in item.fixturenames or item.get_closest_marker("django_db") else 3

    items.sort(key=order)


def _media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.fixture(scope="session")
def _world_rows(django_db_setup, django_db_blocker):
    before = _media_files()
    with django_db_blocker.unblock():
        built = SimpleNamespace(
            porta=build_organization("porta", "Porta Digital"),
            nordwind=build_organization("nordwind", "Nordwind Components"),
        )
    _committed["world"] = True
    # The world's files (a prepared export): a test that deletes one is rolled back in the
    # database only, so each test gets them back.
    built_files = {path: path.read_bytes() for path in _media_files() - before}
    return built, built_files


@pytest.fixture(autouse=True)
def _empty_database_before_own_transactions(request, django_db_blocker):
    if _committed["world"] and _needs_own_transaction(request.node):
        with django_db_blocker.unblock():
            call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
        _committed["world"] = False


@pytest.fixture
def world(_world_rows, db):
    """Two organisations shaped like the demo: porta and nordwind, five people each, a team.
    Each test gets its own copy of the objects; its changes to the rows are rolled back."""
    assert _committed["world"], "A test using `world` ran after the database was emptied for a transactional test."
    built, files = _world_rows
    for path, content in files.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return copy.deepcopy(built)


@pytest.fixture
def tworld(transactional_db):
    """`world`, committed: for tests where another process (a worker, a browser) reads it."""
    return SimpleNamespace(
        porta=build_organization("porta", "Porta Digital"),
        nordwind=build_organization("nordwind", "Nordwind Components"),
    )


@pytest.fixture
def in_scope():
    """`with in_scope(org):` inside a test: a transaction-bound tenant scope."""
    from contextlib import contextmanager

    from django.db import transaction

    @contextmanager
    def scope(org):
        with transaction.atomic(), tenant_scope(org):
            yield

    return scope


@pytest.fixture(scope="session")
def celery_worker_process(tmp_path_factory, django_db_setup):
    """A real Celery worker, in its own process, on Redis and the test database."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = open(log_path, "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited at start:\n{log_path.read_text()}")
        if "ready." in log_path.read_text():
            break
        time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(f"The Celery worker did not become ready in 60 s:\n{log_path.read_text()}")
    yield SimpleNamespace(queue=queue, mail_dir=mail_dir, log_path=log_path, process=process)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy; return its value or fail with the timeout. The
    timeout is a bound for a busy machine (another process, the worker, does the work), not
    an expectation: a passing test waits only as long as the work takes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {predicate}")
