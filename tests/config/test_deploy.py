import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_on_the_production_settings_reports_nothing():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1",
        "DJANGO_ALLOWED_HOSTS": "accountdesk.example",
        "DATABASE_URL": "postgres://accountdesk_app:x@127.0.0.1:5432/accountdesk",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout.strip(), result.stderr.strip()) == (
        0,
        "System check identified no issues (1 silenced).",
        "",
    ), result.stderr


def test_production_settings_refuse_to_start_without_their_secrets():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DATABASE_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "The environment variable DJANGO_SECRET_KEY is required and is not set." in result.stderr


def test_collectstatic_works_on_the_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "accountdesk.example",
        "DATABASE_URL": "postgres://accountdesk_app:x@127.0.0.1:5432/accountdesk",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ACCOUNTDESK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    assert '"css/app.css"' in manifest and '"vendor/htmx/htmx.min.js"' in manifest
