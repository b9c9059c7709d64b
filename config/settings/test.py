"""Tests: real PostgreSQL as the application role, real Redis, real Celery worker.

The suite refuses to run on SQLite: row-level security is part of what it proves.
"""

import dj_database_url

from config.env import env
from config.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

TEST_DATABASE_NAME = env("TEST_DATABASE_NAME", "accountdesk_test")
DATABASES = {
    "default": dj_database_url.parse(
        env("TEST_DATABASE_URL", f"postgres://accountdesk_app:accountdesk_app@127.0.0.1:5432/{TEST_DATABASE_NAME}")
    ),
    "owner": dj_database_url.parse(
        env(
            "TEST_DATABASE_OWNER_URL",
            f"postgres://accountdesk_owner:accountdesk_owner@127.0.0.1:5432/{TEST_DATABASE_NAME}",
        )
    ),
}
for _db in DATABASES.values():
    _db["ATOMIC_REQUESTS"] = False
    # The suite creates and migrates this database itself (tests/conftest.py), as the owner.
    _db["TEST"] = {"NAME": TEST_DATABASE_NAME}

REDIS_URL = env("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "adtest"}
}
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never outside tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# One queue per test run, so a worker of another run never takes this run's tasks.
import uuid as _uuid  # noqa: E402

CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", f"accountdesk-test-{_uuid.uuid4().hex[:10]}")
# In-process tests get locmem from Django's test set-up; the worker process writes files.
MAILERS = mailers(env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"))  # noqa: F405
# Static files straight from the source folders: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
# Exports the tests prepare (this process and the worker): apart from a development server's.
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
