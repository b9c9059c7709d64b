"""`make run`: the product's own pages with DEBUG off, and everything it starts stops on Ctrl-C or TERM.

The process tests start scripts/serve.sh (what scripts/run.sh runs after installing, migrating
and seeding) on the local settings, an embedded SQLite file and the filesystem transport in a
temporary folder, on a free port, in a session of its own."""

from __future__ import annotations

import http.client
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import signed_in

ROOT = Path(__file__).resolve().parents[2]
# Everything that would point `make run` somewhere else than its embedded default.
NOT_INHERITED = {
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "ACCOUNTDESK_DEBUG",
    "ACCOUNTDESK_MEDIA_DIR",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CELERY_QUEUE",
    "EMAIL_BACKEND",
}
SIGNED_IN = """
from django.test import Client
from tests.factories import OrganizationFactory, add_member
membership = add_member(OrganizationFactory(slug="porta", name="Porta Digital"), "admin", ["admin"])
client = Client()
client.force_login(membership.user)
print(client.cookies["sessionid"].value)
"""


def _local_settings(monkeypatch, **environment):
    for name in ("ACCOUNTDESK_DEBUG", *environment):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(importlib.import_module("config.settings.local"))


def test_the_local_settings_serve_with_debug_off_unless_a_developer_turns_it_on(monkeypatch):
    assert _local_settings(monkeypatch).DEBUG is False
    assert _local_settings(monkeypatch, ACCOUNTDESK_DEBUG="1").DEBUG is True
    assert _local_settings(monkeypatch, ACCOUNTDESK_DEBUG="0").DEBUG is False


def test_a_missing_page_inside_an_organisation_is_the_products_page_under_the_local_settings(
    world, settings, monkeypatch
):
    # given the DEBUG that `make run` serves with, and a person signed in to porta
    settings.DEBUG = _local_settings(monkeypatch).DEBUG
    browser = signed_in(world.porta.ae)
    # when
    response = browser.get("/o/porta/no-such-page/")
    # then: the product's error page, not Django's list of URL patterns
    assert response.status_code == 404
    assert [t.name for t in response.templates][:1] == ["errors/error.html"]
    page = response.content.decode()
    assert "Page not found" in page and "There is nothing here, or it is not yours to see." in page
    assert "URLconf" not in page


# --- The processes `make run` starts -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(var_dir: Path, port: int | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", ACCOUNTDESK_VAR_DIR=str(var_dir))
    if port is not None:
        environment["ACCOUNTDESK_PORT"] = str(port)
    return environment


@pytest.fixture(scope="module")
def migrated_var_dir(tmp_path_factory):
    """A var/ folder as `make run` leaves it after migrating: SQLite, one organisation, and a
    signed-in session of its admin (its key in `session`)."""
    var_dir = tmp_path_factory.mktemp("make-run-var")
    environment = _environment(var_dir)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--database", "owner", "--noinput", "-v", "0"], cwd=ROOT, env=environment, check=True
    )
    made = subprocess.run(
        [*manage, "shell", "-c", SIGNED_IN], cwd=ROOT, env=environment, check=True, capture_output=True, text=True
    )
    (var_dir / "session").write_text(made.stdout.strip().splitlines()[-1])
    return var_dir


def _session_processes(session_id: int) -> dict[int, str]:
    """{pid: command} of every live (not zombie) process in the session."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp session …
        if int(fields[3]) == session_id and fields[0] != "Z":
            found[int(entry.name)] = command
    return found


def _get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def _started(process: subprocess.Popen, port: int, var_dir: Path, deadline: float) -> bool:
    """The web answers, and worker and beat have set up their signal handlers (until then a
    TERM ends them at once and proves nothing)."""
    while time.monotonic() < deadline and process.poll() is None:
        try:
            _get(port, "/healthz")
        except OSError:
            time.sleep(0.3)
            continue
        worker = var_dir / "worker.log"
        beat = var_dir / "beat.log"
        if worker.exists() and "ready." in worker.read_text() and beat.exists() and "Starting..." in beat.read_text():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "Ctrl-C"])
def test_make_run_serves_the_product_and_everything_it_starts_stops_within_seconds(
    migrated_var_dir, tmp_path, stop_signal
):
    # given web, worker and beat running as `make run` runs them
    var_dir = tmp_path / "var"
    shutil.copytree(migrated_var_dir, var_dir)
    port = _free_port()
    output = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=_environment(var_dir, port),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As from a terminal: a shell cannot trap a signal it was started with ignored (a runner
        # started in the background may ignore SIGINT, and children inherit that).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def logs() -> str:
        return "\n".join(
            f"--- {name}:\n{path.read_text()[-3000:]}"
            for name, path in (("serve", tmp_path / "serve.log"), ("worker", var_dir / "worker.log"))
            if path.exists()
        )

    try:
        assert _started(process, port, var_dir, time.monotonic() + 120), logs()
        started = _session_processes(process.pid)
        assert len(started) >= 4, started  # the script, the worker, beat and the web server

        # DEBUG is off, static files are still served, and a missing page inside an
        # organisation is the product's page
        css_status, _css = _get(port, "/static/css/app.css")
        cookie = f"sessionid={(var_dir / 'session').read_text()}"
        status, page = _get(port, "/o/porta/no-such-page/", cookie)
        assert (css_status, status) == (200, 404), logs()
        assert "There is nothing here, or it is not yours to see." in page and "URLconf" not in page

        # when Ctrl-C or TERM reaches the whole process group
        os.killpg(process.pid, stop_signal)
        deadline = time.monotonic() + 10
        while _session_processes(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)

        # then every process it started is gone within seconds
        assert _session_processes(process.pid) == {}, logs()
        assert process.wait(timeout=1) == 128 + stop_signal
    finally:
        for pid in _session_processes(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)
        output.close()
