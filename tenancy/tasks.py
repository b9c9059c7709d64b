"""Celery tasks of tenancy, and the `tenant_task` decorator every app's tasks use."""

from __future__ import annotations

import functools
import socket

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.models import Membership, Organization, WorkerHeartbeat
from tenancy.scope import tenant_scope

TASK_DEFAULTS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


def tenant_task(*decorator_args, **decorator_kwargs):
    """A Celery task that runs for one organisation.

    The task is called with ``organization_id=`` (ids only, never model instances);
    the wrapped function receives ``organization=`` and runs inside a transaction and
    the tenant scope, so the row-level security setting is in force. An organisation
    that no longer exists or is inactive makes the task do nothing.
    """

    def decorator(func):
        @functools.wraps(func)
        def run(*args, organization_id: int, **kwargs):
            organization = Organization.objects.filter(pk=organization_id, is_active=True).first()
            if organization is None:
                return None
            with transaction.atomic(), tenant_scope(organization):
                return func(*args, organization=organization, **kwargs)

        options = {**TASK_DEFAULTS, **decorator_kwargs}
        return shared_task(**options)(run)

    if decorator_args and callable(decorator_args[0]):
        return decorator(decorator_args[0])
    return decorator


@tenant_task
def send_welcome_email(*, organization: Organization, membership_id: int) -> bool:
    """Tell a newly added person how to set their password. Idempotent enough: a second
    mail carries a new link, the old one still works until used."""
    membership = Membership.objects.select_related("user").filter(organization=organization, pk=membership_id, is_active=True).first()
    if membership is None:
        return False
    user = membership.user
    path = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    with translation.override(user.language or organization.default_language):
        context = {"user": user, "organization": organization, "url": settings.ACCOUNTDESK_BASE_URL.rstrip("/") + path}
        subject = render_to_string("tenancy/email/welcome_subject.txt", context).strip()
        body = render_to_string("tenancy/email/welcome_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


@shared_task(acks_late=True, ignore_result=True)
def worker_heartbeat() -> str:
    """Beat sends this every few seconds; /healthz reads how fresh the last one is."""
    name = f"{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})
    return name
