"""Writes for statements: a batch of statements asked for, a statement mailed to the client
(by hand, or by the monthly mailing), and the mail itself.

Each function is keyword-only and typed, `<entity>_<action>(*, organization, actor, …)`, and
atomic: a refusal writes nothing. Side effects (the Celery task that builds a batch, the mail)
leave on commit.

Exactly once, by constraint (DESIGN.md, Background work):
- a batch: the same request (person, accounts, period, format) while one stands, queued,
  being prepared or ready, is that batch (billing.models.StatementBatch's constraints);
- the monthly mailing: one sending per account and period (StatementSending's constraint),
  whose `sent_at` is set in the transaction that sends the mail: a mailing run twice finds
  every row sent, and one killed half-way sends the rest.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Account
from billing import permissions
from billing.documents import filename, statement_pdf
from billing.models import (
    STANDING_BATCH,
    UNFINISHED_BATCH,
    LedgerEntry,
    StatementBatch,
    StatementBatchScope,
    StatementSending,
    StatementSendingKind,
)
from billing.statements import statement_for_account, statement_reader
from config.errors import ApplicationError
from tenancy.models import Membership, Organization, Team
from tenancy.services import audit_record

logger = logging.getLogger(__name__)


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError(message, code="permission_denied", status=403)


def batch_is_stale(batch: StatementBatch, now=None) -> bool:
    """A batch no worker has written progress to for STATEMENT_BATCH_STALE_SECONDS (queued and
    never started, or started and silent): its worker was lost, and it may be taken up again."""
    now = now or timezone.now()
    last = batch.touched_at or batch.created_at
    return batch.status in UNFINISHED_BATCH and last < now - timedelta(seconds=settings.STATEMENT_BATCH_STALE_SECONDS)


def _enqueue_build(organization: Organization, batch: StatementBatch) -> None:
    from billing.tasks import statement_batch_build

    transaction.on_commit(lambda: statement_batch_build.delay(organization_id=organization.pk, batch_id=batch.pk))


# --- Batches ----------------------------------------------------------------------------------------


@transaction.atomic
def statement_batch_request(
    *,
    organization: Organization,
    actor: Membership,
    scope: str,
    period_start: date,
    period_end: date,
    file_format: str,
    language: str,
    team: Team | None = None,
) -> tuple[StatementBatch, bool]:
    """Ask for the statements of every account of `team` (scope "team") or of the organisation
    (scope "tenant") for a period, as `actor` sees the accounts, in one file format: (the batch,
    whether it is new). The same request while one stands is that one, not a second set of
    files; one whose worker was lost is taken up again. A new one is built once this
    transaction commits."""
    if scope == StatementBatchScope.TENANT:
        allowed = permissions.can_request_statements_of_everyone(actor)
        team = None
    else:
        allowed = team is not None and permissions.can_request_statements_of_team(actor, team)
    if not allowed:
        raise _forbidden(_("Only finance, admins and a team's leads ask for statements in bulk."))
    batch = StatementBatch(
        organization=organization,
        requested_by=actor,
        scope=scope,
        team=team,
        period_start=period_start,
        period_end=period_end,
        file_format=file_format,
        language=language,
    )
    batch.full_clean(exclude=["language"], validate_constraints=False)
    standing = StatementBatch.objects.filter(
        organization=organization,
        requested_by=actor,
        scope=scope,
        team=team,
        period_start=period_start,
        period_end=period_end,
        file_format=file_format,
        status__in=STANDING_BATCH,
    )
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:  # it stands already (or another request made it a moment ago)
        existing = standing.select_for_update(of=("self",)).get()
        if batch_is_stale(existing):
            _enqueue_build(organization, existing)
        return existing, False
    _enqueue_build(organization, batch)
    return batch, True


# --- Mailing a statement ------------------------------------------------------------------------------


@transaction.atomic
def statement_send(
    *, organization: Organization, actor: Membership, account: Account, period_start: date, period_end: date
) -> StatementSending:
    """Mail the account's statement for the period to its finance contact (billing.statements.
    statement_reader), in their language, with the PDF: recorded and audited now, mailed once
    this transaction commits."""
    if not permissions.can_send_statement(actor, account):
        if not permissions.can_see_billing_of(actor, account):
            raise ApplicationError(_("Not found."), code="not_found", status=404)
        raise _forbidden(_("Account executives, sales leads and finance send statements to clients."))
    reader = statement_reader(organization=organization, account=account)
    if not reader.can_receive:
        raise ApplicationError(
            _(
                "This account has no finance contact with an email: add one to the account team "
                "or to the client's contacts (buying role Finance)."
            ),
            code="no_recipient",
        )
    sending = StatementSending(
        organization=organization,
        account=account,
        period_start=period_start,
        period_end=period_end,
        kind=StatementSendingKind.BY_HAND,
        recipient_name=reader.name,
        recipient_email=reader.email,
        language=reader.language,
        requested_by=actor,
    )
    sending.full_clean()
    sending.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="statement.send",
        obj=account,
        changes={
            "statement_sent_to": [None, reader.email],
            "period": [None, f"{period_start.isoformat()}/{period_end.isoformat()}"],
            "language": [None, reader.language],
        },
    )
    from billing.tasks import statement_sending_deliver

    transaction.on_commit(
        lambda: statement_sending_deliver.delay(organization_id=organization.pk, sending_id=sending.pk)
    )
    return sending


def statement_sending_deliver(*, organization: Organization, sending_id: int) -> bool:
    """Mail a recorded sending, once: its row locked, the mail sent, `sent_at` set, in one
    transaction (the caller's tenant scope). False when it was sent already (a second delivery
    of the task, a rerun of the mailing)."""
    with transaction.atomic():
        sending = (
            StatementSending.objects.select_for_update(of=("self",))
            .select_related("account__client")
            .filter(organization=organization, pk=sending_id, sent_at__isnull=True)
            .first()
        )
        if sending is None:
            return False
        account = sending.account
        statement = statement_for_account(
            organization=organization, account=account, start=sending.period_start, end=sending.period_end
        )
        pdf = statement_pdf(statement, language=sending.language)
        with translation.override(sending.language):
            context = {"sending": sending, "statement": statement, "account": account, "organization": organization}
            subject = render_to_string("billing/email/statement_subject.txt", context).strip()
            body = render_to_string("billing/email/statement_body.txt", context)
        message = EmailMessage(subject=subject, body=body, to=[sending.recipient_email])
        message.attach(filename(statement, "pdf"), pdf, "application/pdf")
        message.send()
        sending.sent_at = timezone.now()
        sending.save(update_fields=["sent_at"])
    return True


# --- The monthly mailing ------------------------------------------------------------------------------


def accounts_for_the_mailing(*, organization: Organization, period_start: date, period_end: date):
    """The accounts whose statement the mailing sends for the period: those with an entry in
    it, or owing something (or in credit) at its end. An account with nothing to say gets no
    mail. One query."""
    in_period = LedgerEntry.objects.filter(
        organization=organization, account=OuterRef("pk"), entry_date__range=(period_start, period_end)
    )
    balance = (
        LedgerEntry.objects.filter(organization=organization, account=OuterRef("pk"), entry_date__lte=period_end)
        .order_by()
        .values("account")
        .annotate(s=Sum(F("debit") - F("credit")))
        .exclude(s=0)
    )
    return (
        Account.objects.filter(organization=organization)
        .filter(Q(Exists(in_period)) | Q(Exists(balance)))
        .select_related("client")
        .order_by("id")
    )


def statement_sending_schedule(
    *, organization: Organization, account: Account, period_start: date, period_end: date
) -> StatementSending | None:
    """Record the monthly sending of the account's statement, once per account and period: the
    row, new or already there (sent or not), or None when the account has no finance contact
    with an email. In its own transaction (a savepoint in the caller's)."""
    reader = statement_reader(organization=organization, account=account)
    if not reader.can_receive:
        return None
    sending = StatementSending(
        organization=organization,
        account=account,
        period_start=period_start,
        period_end=period_end,
        kind=StatementSendingKind.SCHEDULED,
        recipient_name=reader.name,
        recipient_email=reader.email,
        language=reader.language,
    )
    try:
        sending.full_clean(validate_constraints=False)
    except ValidationError:  # an address the model refuses: nobody to mail it to
        logger.warning("Statement of account %s: the finance contact's email is not valid", account.pk)
        return None
    try:
        with transaction.atomic():
            sending.save()
    except IntegrityError:
        return StatementSending.objects.get(
            organization=organization,
            account=account,
            period_start=period_start,
            period_end=period_end,
            kind=StatementSendingKind.SCHEDULED,
        )
    return sending
