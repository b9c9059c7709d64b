"""Celery tasks of tenancy, and the `tenant_task` decorator every app's tasks use."""

from __future__ import annotations

import functools
import logging
import secrets
import socket
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import OperationalError
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.exports import EXPORT_KINDS, export_bytes
from tenancy.models import (
    UNFINISHED_EXPORT,
    Export,
    ExportError,
    ExportStatus,
    Invitation,
    Membership,
    Organization,
    WorkerHeartbeat,
)
from tenancy.scope import reading_scope, tenant_scope
from tenancy.services import export_progress_key

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

    With ``own_transactions=True`` the function gets the organisation only and opens its own
    transactions and scopes: for long work that must not hold one transaction throughout.
    """

    own_transactions = decorator_kwargs.pop("own_transactions", False)

    def decorator(func):
        @functools.wraps(func)
        def run(*args, organization_id: int, **kwargs):
            organization = Organization.objects.filter(pk=organization_id, is_active=True).first()
            if organization is None:
                return None
            if own_transactions:
                return func(*args, organization=organization, **kwargs)
            with tenant_scope(organization):
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
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, pk=membership_id, is_active=True)
        .first()
    )
    if membership is None:
        return False
    user = membership.user
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(user.language or organization.default_language):
        context = {"user": user, "organization": organization, "url": settings.ACCOUNTDESK_BASE_URL.rstrip("/") + path}
        subject = render_to_string("tenancy/email/welcome_subject.txt", context).strip()
        body = render_to_string("tenancy/email/welcome_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


@tenant_task
def send_invitation_email(*, organization: Organization, invitation_id: int) -> bool:
    """Tell a person who already has an AccountDesk account that an organisation invites them,
    with the page where they accept. In their own language: they are not the organisation's yet."""
    invitation = Invitation.objects.select_related("user").filter(organization=organization, pk=invitation_id).first()
    if invitation is None:
        return False
    user = invitation.user
    url = settings.ACCOUNTDESK_BASE_URL.rstrip("/") + reverse("invitations")
    with translation.override(user.language or organization.default_language):
        context = {"organization": organization, "url": url}
        subject = render_to_string("tenancy/email/invitation_subject.txt", context).strip()
        body = render_to_string("tenancy/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True


@shared_task(acks_late=True, ignore_result=True)
def worker_heartbeat() -> str:
    """Beat sends this every few seconds; /healthz reads how fresh the last one is."""
    name = f"{socket.gethostname()}"
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})
    return name


EXPORT_TIME_LIMIT_SECONDS = 30 * 60


@tenant_task(
    own_transactions=True,
    autoretry_for=(),
    max_retries=0,
    time_limit=EXPORT_TIME_LIMIT_SECONDS,
    soft_time_limit=EXPORT_TIME_LIMIT_SECONDS - 60,
)
def export_prepare(*, organization: Organization, export_id: int) -> str | None:
    """Write a queued export's file, as the person who asked sees the list, in their language
    and time zone, and mark it ready, or failed with the reason.

    Three steps, each its own transaction: claim the export (queued -> running), read the
    list and write the file (a read: it blocks nobody), record the outcome. An export found
    already running was interrupted (the worker died with it): it fails rather than run
    again. A finished one is left alone, so a second delivery changes nothing."""

    def finish(**fields) -> str:
        with tenant_scope(organization):
            Export.objects.filter(organization=organization, pk=export_id).update(finished_at=timezone.now(), **fields)
        cache.delete(progress)
        return fields["status"]

    progress = export_progress_key(organization, export_id)
    with tenant_scope(organization):
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .filter(organization=organization, pk=export_id)
            .first()
        )
        if export is None or export.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return None
        interrupted = export.status == ExportStatus.RUNNING
        if not interrupted:
            Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    if interrupted:
        return finish(status=ExportStatus.FAILED, error=ExportError.INTERRUPTED)
    if not export.requested_by.is_active:
        return finish(status=ExportStatus.FAILED, error=ExportError.NOT_A_MEMBER)

    written = 0

    def counted(rows, total):
        nonlocal written
        for written, row in enumerate(rows, start=1):
            if written % 250 == 0:
                cache.set(progress, {"done": written, "total": total}, timeout=EXPORT_TIME_LIMIT_SECONDS)
            yield row

    try:
        with reading_scope(organization), translation.override(export.language), timezone.override(export.time_zone):
            built = EXPORT_KINDS[export.kind].build(
                organization=organization, membership=export.requested_by, query=QueryDict(export.query)
            )
            cache.set(progress, {"done": 0, "total": built.total}, timeout=EXPORT_TIME_LIMIT_SECONDS)
            content = export_bytes(export.file_format, built.header, counted(built.rows, built.total), built.sheet)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = default_storage.save(
            f"exports/{organization.pk}/{built.filename}-{stamp}-{secrets.token_hex(8)}.{export.file_format}",
            ContentFile(content),
        )
    except Exception:  # whatever went wrong, the person sees that it failed; the log says why
        logging.getLogger(__name__).exception("Export %s of organisation %s failed", export_id, organization.pk)
        return finish(status=ExportStatus.FAILED, error=ExportError.BROKEN)
    # The rows in the file (the count before it may differ by what changed in between).
    return finish(status=ExportStatus.DONE, rows_total=written, file=name)


@shared_task(acks_late=True, ignore_result=True)
def exports_clean() -> int:
    """Delete finished exports (rows and files) older than EXPORT_KEEP_HOURS, and fail those
    the worker lost, organisation by organisation (each in its tenant scope; deactivated ones
    too). Files that no export names any more (the export deleted with its person, a commit
    that failed after the file was written) go too, once as old. Returns the exports deleted."""
    now = timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    removed = 0
    for organization in Organization.objects.all():
        with tenant_scope(organization):
            # One the worker lost (killed at its time limit, say) says so instead of waiting forever.
            Export.objects.filter(
                organization=organization,
                status__in=UNFINISHED_EXPORT,
                created_at__lt=now - timedelta(seconds=EXPORT_TIME_LIMIT_SECONDS * 2),
            ).update(status=ExportStatus.FAILED, error=ExportError.INTERRUPTED, finished_at=now)
            old = list(
                Export.objects.filter(organization=organization, created_at__lt=cutoff)
                .exclude(status__in=UNFINISHED_EXPORT)
                .values_list("pk", "file")
            )
            Export.objects.filter(organization=organization, pk__in=[pk for pk, _ in old]).delete()
            named = set(
                Export.objects.filter(organization=organization).exclude(file="").values_list("file", flat=True)
            )
        for _, name in old:
            if name:
                default_storage.delete(name)
        removed += len(old)
        folder = f"exports/{organization.pk}"
        if default_storage.exists(folder):
            for file_name in default_storage.listdir(folder)[1]:
                path = f"{folder}/{file_name}"
                if path not in named and default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
    return removed
