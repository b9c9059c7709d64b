"""Benchmarks (`make bench`): PostgreSQL as the application role, production-like (DEBUG off)."""

import dj_database_url

from config.env import env
from config.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
BENCH_DATABASE_NAME = env("BENCH_DATABASE_NAME", "accountdesk_bench")
DATABASES = {
    "default": dj_database_url.parse(
        env("BENCH_DATABASE_URL", f"postgres://accountdesk_app:accountdesk_app@127.0.0.1:5432/{BENCH_DATABASE_NAME}"),
        conn_max_age=600,
    ),
    "owner": dj_database_url.parse(
        env(
            "BENCH_DATABASE_OWNER_URL",
            f"postgres://accountdesk_owner:accountdesk_owner@127.0.0.1:5432/{BENCH_DATABASE_NAME}",
        )
    ),
}
for _db in DATABASES.values():
    _db["ATOMIC_REQUESTS"] = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # generating thousands of people
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The bench runs background jobs in its own process (bench/billing_run.py measure_bulk): what a
# service enqueues on commit goes to an in-memory broker no worker reads.
CELERY_BROKER_URL = "memory://"
