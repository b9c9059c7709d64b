"""Development: `make run`. Debug pages on, mail printed to the console."""

from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS

DEBUG = True
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "[::1]", "testserver"]
