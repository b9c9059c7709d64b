"""`make run`: the product as people use it, on this machine.

DEBUG is off, so a mistyped address or a missing record shows the product's own error pages,
never Django's debug page (which lists every URL pattern and setting). Developers turn it on
with ACCOUNTDESK_DEBUG=1 (see .env.example); scripts/serve.sh then also reloads on code changes.
"""

from config.env import env_bool
from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS

DEBUG = env_bool("ACCOUNTDESK_DEBUG", False)
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "[::1]", "testserver"]

# Static files straight from the source folders through WhiteNoise, with DEBUG on or off:
# no collectstatic before `make run` (production serves the collected, hashed copies).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # re-read files per request only while developing
STATIC_ROOT = None
