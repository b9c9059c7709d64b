"""Celery tasks of billing: statements in bulk, the monthly mailing of statements, and the
mail of a statement sent by hand. Each takes ids and `organization_id` (tenancy.tasks.
tenant_task) and may run twice, or die half-way and run again, without doing anything twice.

Statements in bulk (one task per batch, however many accounts): each account's statement is
written to the batch's working folder under a temporary name and renamed when whole; progress
(`accounts_done`) is committed after each. The ZIP is written under a temporary name and moved
into place (an atomic rename on the same file system) only when complete, and only then does the
batch say where it is. So a worker killed mid-job leaves no ZIP that anyone is offered, and the
task run again takes up the batch where it stopped: the statements already written are kept,
the rest written, the ZIP made. The files live in the default storage, which web and worker
share (a file system: FileSystemStorage, as configured).
"""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.text import slugify

from accounts.selectors import visible_accounts
from billing import documents, services_statements
from billing.models import (
    UNFINISHED_BATCH,
    StatementBatch,
    StatementBatchError,
    StatementBatchScope,
    StatementBatchStatus,
    StatementFormat,
)
from billing.selectors import billing_settings
from billing.services_statements import accounts_for_the_mailing, batch_is_stale, statement_sending_schedule
from billing.statements import previous_month, statement_for_account, statement_reader
from tenancy.models import Organization
from tenancy.scope import reading_scope, tenant_scope
from tenancy.tasks import tenant_task

logger = logging.getLogger(__name__)

BATCH_TIME_LIMIT_SECONDS = 2 * 60 * 60
# A batch taken up again this many times (its worker lost each time) fails instead.
BATCH_MAX_ATTEMPTS = 3


# --- Statements in bulk ----------------------------------------------------------------------------


def _folder(organization: Organization, batch_id: int) -> str:
    return f"statements/{organization.pk}/batch-{batch_id}"


def _path(name: str) -> Path:
    # The default storage is a file system shared by web and worker (config.settings): the
    # batch needs its renames, which the Storage API does not have.
    return Path(default_storage.path(name))


def _write_whole(path: Path, content: bytes) -> None:
    """`content` at `path`, all of it or nothing: written beside it, then renamed over it."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)


def _statement_file(organization: Organization, batch: StatementBatch, account) -> bytes:
    """One account's statement for the batch: the PDF in the language of its finance contact,
    CSV and XLSX in the language of whoever asked."""
    statement = statement_for_account(
        organization=organization, account=account, start=batch.period_start, end=batch.period_end
    )
    if batch.file_format == StatementFormat.PDF:
        reader = statement_reader(organization=organization, account=account)
        return documents.statement_pdf(statement, language=reader.language)
    with translation.override(batch.language):
        if batch.file_format == StatementFormat.CSV:
            return documents.statement_csv_bytes(statement, bom=True)
        return documents.statement_xlsx(statement)


def _member_name(account) -> str:
    """The statement's name in the ZIP: client, account, id (two accounts may share a name)."""
    client = slugify(account.client.legal_name)[:60] or "client"
    return f"{client}-{slugify(account.name)[:60] or 'account'}-{account.pk}"


def _claim(organization: Organization, batch_id: int) -> StatementBatch | None:
    """The batch, marked running, if it is this run's to build: not finished, and not being
    built by another worker (one that wrote progress lately)."""
    with tenant_scope(organization):
        batch = (
            StatementBatch.objects.select_for_update(of=("self",))
            .select_related("requested_by", "team")
            .filter(organization=organization, pk=batch_id)
            .first()
        )
        if batch is None or batch.is_finished:
            return None
        if batch.status == StatementBatchStatus.RUNNING and not batch_is_stale(batch):
            return None
        now = timezone.now()
        batch.status, batch.touched_at, batch.attempts = StatementBatchStatus.RUNNING, now, batch.attempts + 1
        StatementBatch.objects.filter(pk=batch.pk).update(status=batch.status, touched_at=now, attempts=batch.attempts)
    return batch


def _finish(organization: Organization, batch_id: int, **fields) -> str:
    with tenant_scope(organization):
        StatementBatch.objects.filter(organization=organization, pk=batch_id).update(
            finished_at=timezone.now(), touched_at=timezone.now(), **fields
        )
    return fields["status"]


def _progress(organization: Organization, batch_id: int, **fields) -> None:
    with tenant_scope(organization):
        StatementBatch.objects.filter(organization=organization, pk=batch_id).update(
            touched_at=timezone.now(), **fields
        )


@tenant_task(
    own_transactions=True,
    autoretry_for=(),
    max_retries=0,
    time_limit=BATCH_TIME_LIMIT_SECONDS,
    soft_time_limit=BATCH_TIME_LIMIT_SECONDS - 60,
)
def statement_batch_build(*, organization: Organization, batch_id: int) -> str | None:
    """Build a batch's statements and its ZIP, or take up one whose worker was lost where it
    stopped (see the module's notes). A finished batch, or one another worker is building, is
    left alone."""
    batch = _claim(organization, batch_id)
    if batch is None:
        return None
    if batch.attempts > BATCH_MAX_ATTEMPTS:
        return _finish(
            organization, batch_id, status=StatementBatchStatus.FAILED, error=StatementBatchError.INTERRUPTED
        )
    if not batch.requested_by.is_active:
        return _finish(
            organization, batch_id, status=StatementBatchStatus.FAILED, error=StatementBatchError.NOT_A_MEMBER
        )
    folder = _path(_folder(organization, batch.pk))
    try:
        with tenant_scope(organization):
            accounts = visible_accounts(organization=organization, membership=batch.requested_by)
            if batch.scope == StatementBatchScope.TEAM:
                accounts = accounts.filter(sales_team_id=batch.team_id)
            accounts = list(accounts.select_related("client").order_by("id"))
        folder.mkdir(parents=True, exist_ok=True)
        extension = batch.file_format
        done = 0
        _progress(organization, batch_id, accounts_total=len(accounts), accounts_done=0)
        for account in accounts:
            target = folder / f"{account.pk}.{extension}"
            if not target.exists():  # written whole by an earlier run: kept
                with reading_scope(organization), timezone.override(ZoneInfo(organization.time_zone)):
                    _write_whole(target, _statement_file(organization, batch, account))
            done += 1
            _progress(organization, batch_id, accounts_done=done)
        with translation.override(batch.language):
            scope = slugify(batch.team.name) if batch.team else "all"
        name = f"statements/{organization.pk}/statements-{scope}-{batch.period_start}-{batch.period_end}-{batch.pk}.zip"
        final = _path(name)
        partial = final.with_name(final.name + ".part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for account in accounts:
                archive.write(folder / f"{account.pk}.{extension}", f"{_member_name(account)}.{extension}")
        os.replace(partial, final)
    except Exception:  # whatever went wrong, the person sees that it failed; the log says why
        logger.exception("Statement batch %s of organisation %s failed", batch_id, organization.pk)
        shutil.rmtree(folder, ignore_errors=True)
        return _finish(organization, batch_id, status=StatementBatchStatus.FAILED, error=StatementBatchError.BROKEN)
    status = _finish(organization, batch_id, status=StatementBatchStatus.DONE, file=name)
    shutil.rmtree(folder, ignore_errors=True)
    return status


@shared_task(acks_late=True, ignore_result=True)
def statement_batches_tend() -> dict:
    """Hourly: take up again the batches whose worker was lost (killed, or the machine
    restarted), and delete finished ones older than EXPORT_KEEP_HOURS with their files,
    organisation by organisation (each in its scope)."""
    now = timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    resumed = removed = 0
    for organization in Organization.objects.filter(is_active=True):
        with tenant_scope(organization):
            unfinished = list(StatementBatch.objects.filter(organization=organization, status__in=UNFINISHED_BATCH))
            old = list(
                StatementBatch.objects.filter(organization=organization, created_at__lt=cutoff)
                .exclude(status__in=UNFINISHED_BATCH)
                .values_list("pk", "file")
            )
            StatementBatch.objects.filter(organization=organization, pk__in=[pk for pk, _f in old]).delete()
        for batch in unfinished:
            if batch_is_stale(batch, now):
                statement_batch_build.delay(organization_id=organization.pk, batch_id=batch.pk)
                resumed += 1
        for pk, name in old:
            if name:
                default_storage.delete(name)
            shutil.rmtree(_path(_folder(organization, pk)), ignore_errors=True)
            removed += 1
    return {"resumed": resumed, "removed": removed}


# --- Mailing statements -----------------------------------------------------------------------------


@tenant_task
def statement_sending_deliver(*, organization: Organization, sending_id: int) -> bool:
    """Mail a statement sent by hand (recorded by billing.services_statements.statement_send)."""
    return services_statements.statement_sending_deliver(organization=organization, sending_id=sending_id)


@shared_task(acks_late=True, ignore_result=True)
def statements_monthly(today: str | None = None) -> list[int]:
    """Daily (beat): for each organisation that mails statements monthly and whose statement
    day it is today, in its own time zone, one task mails the previous month's statements.
    `today` (ISO) stands for every organisation's today when given. Returns the organisations
    it started the mailing for."""
    started = []
    for organization in Organization.objects.filter(is_active=True).order_by("id"):
        day = date.fromisoformat(today) if today else timezone.localdate(timezone=ZoneInfo(organization.time_zone))
        with tenant_scope(organization):
            preferences = billing_settings(organization=organization)
        if preferences.statements_monthly and preferences.statement_day == day.day:
            start, end = previous_month(day)
            statements_monthly_send.delay(
                organization_id=organization.pk, period_start=start.isoformat(), period_end=end.isoformat()
            )
            started.append(organization.pk)
    return started


@tenant_task(own_transactions=True, time_limit=BATCH_TIME_LIMIT_SECONDS, soft_time_limit=BATCH_TIME_LIMIT_SECONDS - 60)
def statements_monthly_send(*, organization: Organization, period_start: str, period_end: str) -> int:
    """Mail each account's statement for the period to its finance contact, in their language,
    the PDF attached; each account in its own transaction, each sending recorded once. Run
    again, it mails only what was not mailed. Returns how many mails it sent."""
    start, end = date.fromisoformat(period_start), date.fromisoformat(period_end)
    with tenant_scope(organization):
        accounts = list(accounts_for_the_mailing(organization=organization, period_start=start, period_end=end))
    sent = 0
    for account in accounts:
        with tenant_scope(organization), timezone.override(ZoneInfo(organization.time_zone)):
            sending = statement_sending_schedule(
                organization=organization, account=account, period_start=start, period_end=end
            )
            if sending is not None and sending.sent_at is None:
                sent += services_statements.statement_sending_deliver(organization=organization, sending_id=sending.pk)
    return sent
