# syntax=docker/dockerfile:1
# AccountDesk image: one image for web (gunicorn), Celery worker, Celery beat and migrations;
# docker-compose.yml chooses the command. Dependencies come from uv.lock only (no dev group).
#
#   docker build -t accountdesk .
#
# Runtime configuration is read from the environment (config/settings/production.py): the
# image holds no secret and no address.

ARG PYTHON_IMAGE=python:3.13-slim

# --- build: dependencies into /opt/venv, compiled translations, collected static files ------
FROM ${PYTHON_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

# gettext (msgfmt) only here, for compilemessages; the runtime image does not carry it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The same uv as scripts/install.sh, installed with pip.
RUN pip install "uv==0.13.8"

WORKDIR /app

# Dependencies first, so that a change to the code does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project

COPY . .

# Production settings refuse to load without these; at build time they are placeholders,
# set for these commands only (never ENV), and nothing connects to them.
# collectstatic writes $ACCOUNTDESK_VAR_DIR/staticfiles (STATIC_ROOT), served by WhiteNoise.
RUN export DJANGO_SETTINGS_MODULE=config.settings.production \
        ACCOUNTDESK_VAR_DIR=/app/var \
        DJANGO_SECRET_KEY=build-time-placeholder-not-used-at-run-time \
        DJANGO_ALLOWED_HOSTS=localhost \
        DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
        CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
    && if [ -n "$(find . -path '*/LC_MESSAGES/*.po' -print -quit)" ]; then \
           /opt/venv/bin/python manage.py compilemessages; \
       fi \
    && /opt/venv/bin/python manage.py collectstatic --noinput

# --- runtime -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    ACCOUNTDESK_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 accountdesk \
    && useradd --system --uid 10001 --gid accountdesk --create-home --home-dir /home/accountdesk \
       --shell /usr/sbin/nologin accountdesk

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# Code and static files stay root-owned (read-only to the app); var/ itself is writable for
# the file-based cache and mail folders used when REDIS_URL or SMTP are not configured, and
# var/media holds prepared exports (a volume shared by web and worker in docker-compose.yml).
RUN mkdir -p /app/var/media && chown accountdesk:accountdesk /app/var /app/var/media

USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
