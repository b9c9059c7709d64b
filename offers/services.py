"""Offers' writes: each one atomic, permission-checked (offers.permissions), validated with
`full_clean()` and audited. Every change to an offer's lines or terms grades it again against the
risk policy in force (offers.grading), reading the account's exposure from billing's ledger
(billing.selectors_risk.account_exposure: one set-based statement).

The lifecycle (OfferStatus): draft → submitted → approved / rejected → sent → in negotiation (a new
revision) → won / lost / expired / withdrawn. Submitting an offer graded A approves it at once;
otherwise those the grade names decide (the account's sales lead on commercial terms, finance on
financial risk), one decision per kind and round (the constraint decides between two approvers
at once). A change after approval that changes the grade sends it back for approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Account
from billing.totals import ZERO, LineAmount, cents, document_totals, line_net
from catalog.models import Product
from catalog.selectors import product_for_new_line
from config.errors import ApplicationError, not_found
from offers import grading, permissions
from offers.models import (
    CLOSED,
    OPEN,
    ApprovalKind,
    Decision,
    Grade,
    Offer,
    OfferApproval,
    OfferLine,
    OfferRevision,
    OfferSending,
    OfferSeries,
    OfferSettings,
    OfferStatus,
)
from tenancy.models import AuditEvent, Membership, Organization
from tenancy.services import (
    audit_changes,
    audit_created,
    audit_record,
    audit_snapshot,
    save_deciding_by_constraint,
    series_next,
)

OFFER_FIELDS = [
    "account",
    "number",
    "title",
    "currency",
    "status",
    "valid_until",
    "expected_close",
    "technical_contact",
    "value_proposition",
    "competitors",
    "notes",
]
LINE_FIELDS = ["position", "product", "description", "quantity", "unit_price", "discount_percent", "lead_time_days"]


class LineInput(TypedDict, total=False):
    product: Product | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    lead_time_days: int


class OfferChanges(TypedDict, total=False):
    title: str
    valid_until: date
    expected_close: date | None
    technical_contact: Membership | None
    value_proposition: str
    competitors: str
    notes: str


# --- Refusals -------------------------------------------------------------------------------------


def _require(allowed: bool, actor: Membership, account: Account, message: str) -> None:
    """Who cannot even see the account is told that there is nothing there."""
    if allowed:
        return
    if account.organization_id != actor.organization_id or not permissions.can_see_account(actor, account):
        raise not_found()
    raise ApplicationError(message, code="permission_denied", status=403)


def _state(message: str) -> ApplicationError:
    return ApplicationError(message, code="offer_state", status=409)


def _locked(organization: Organization, offer: Offer) -> Offer:
    """The offer, re-read under a row lock: two people changing it at once take turns."""
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("account", "owner")
        .get(organization=organization, pk=offer.pk)
    )


def _current(offer: Offer) -> OfferRevision:
    return OfferRevision.objects.get(organization_id=offer.organization_id, offer=offer, number=offer.revision)


# --- Numbering and settings -----------------------------------------------------------------------


def _next_number(organization: Organization, year: int) -> str:
    """The next offer number of the year, inside the caller's transaction (gapless: a rolled-back
    draft gives its number back; a concurrent one waits on the series row)."""
    return OfferSeries.format(year, series_next(OfferSeries, organization=organization, year=year))


def offer_settings(*, organization: Organization) -> OfferSettings:
    """The organisation's offer settings, or the defaults (unsaved) while nobody changed them."""
    return OfferSettings.objects.filter(organization=organization).first() or OfferSettings(organization=organization)


SETTINGS_FIELDS = (
    "probability_draft",
    "probability_submitted",
    "probability_approved",
    "probability_sent",
    "probability_negotiation",
    "valid_days",
    "lead_time_warning_days",
)


class SettingsChanges(TypedDict, total=False):
    probability_draft: int
    probability_submitted: int
    probability_approved: int
    probability_sent: int
    probability_negotiation: int
    valid_days: int
    lead_time_warning_days: int


@transaction.atomic
def offer_settings_update(
    *, organization: Organization, actor: Membership, **changes: Unpack[SettingsChanges]
) -> OfferSettings:
    """An admin changes the probabilities by stage (the forecast's weights), the days a new
    offer is valid or the lead time that warns a client who values delivery time."""
    if not permissions.can_change_offer_settings(actor):
        raise ApplicationError(
            _("Only an admin of this organisation may do that."), code="permission_denied", status=403
        )
    unknown = sorted(set(changes) - set(SETTINGS_FIELDS))
    if unknown:
        raise TypeError(f"offer_settings_update() got unexpected settings: {', '.join(unknown)}")
    settings, _created = OfferSettings.objects.select_for_update().get_or_create(organization=organization)
    before = audit_snapshot(settings, SETTINGS_FIELDS)
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    audit_changes(organization=organization, actor=actor.user, action="settings.offers", obj=settings, before=before)
    return settings


# --- Grading --------------------------------------------------------------------------------------


def open_orders_amount(*, organization: Organization, account: Account) -> Decimal:
    """What the account's open orders will still invoice, with tax (as the ledger will owe it):
    offers.selectors_orders.open_orders_amounts, one query."""
    from offers.selectors_orders import open_orders_amounts

    return open_orders_amounts(organization=organization, account_ids=[account.pk])[account.pk]


def offer_terms(*, organization: Organization, offer: Offer, revision: OfferRevision, policy) -> grading.Terms:
    """What the policy grades: the account's terms and exposure, the revision's totals and lines."""
    from billing.selectors_risk import account_exposure

    account = offer.account
    exposure = account_exposure(
        organization=organization,
        account_ids=[account.pk],
        as_of=timezone.localdate(),
        overdue_days=policy.overdue_tolerance_days,
    )[account.pk]
    discounts = tuple(
        OfferLine.objects.filter(organization=organization, revision=revision)
        .order_by("position")
        .values_list("position", "discount_percent")
    )
    return grading.Terms(
        currency=offer.currency,
        credit_limit=account.credit_limit,
        payment_terms_days=account.payment_terms_days,
        balance=exposure.balance,
        overdue_beyond=exposure.overdue_beyond,
        open_orders=open_orders_amount(organization=organization, account=account),
        list_total=revision.list_total,
        net_total=revision.net_total,
        cost_total=revision.cost_total,
        total=revision.total,
        line_discounts=discounts,
    )


def offer_grading(*, organization: Organization, offer: Offer, revision: OfferRevision) -> tuple[int, grading.Grading]:
    """(the policy version in force, the grade it gives the offer now)."""
    from billing.selectors_risk import risk_policy_current

    policy = risk_policy_current(organization=organization)
    terms = offer_terms(organization=organization, offer=offer, revision=revision, policy=policy)
    return policy.version, grading.grade(policy, terms)


def _regrade(organization: Organization, actor: Membership, offer: Offer, revision: OfferRevision) -> None:
    """Grade the offer again; an approved offer whose grade changed goes back for approval (or
    stays approved if it is now within every rule)."""
    version, graded = offer_grading(organization=organization, offer=offer, revision=revision)
    changed = graded.grade != offer.grade
    offer.policy_version, offer.grade, offer.grade_reasons = version, graded.grade, graded.reasons
    if offer.status == OfferStatus.APPROVED and changed and graded.grade != Grade.A:
        offer.status = OfferStatus.SUBMITTED
        offer.approval_round += 1
        audit_record(
            organization=organization,
            actor=actor.user,
            action="offer.regrade",
            obj=offer,
            changes={
                "grade": [None, graded.grade],
                "status": [OfferStatus.APPROVED.value, OfferStatus.SUBMITTED.value],
            },
        )
    offer.save(update_fields=["policy_version", "grade", "grade_reasons", "status", "approval_round"])


# --- Lines and totals -----------------------------------------------------------------------------


def _build_line(
    organization: Organization, offer: Offer, revision: OfferRevision, position: int, given: dict, line_key: int
) -> OfferLine:
    product = given.get("product")
    line = OfferLine(
        organization=organization,
        revision=revision,
        position=position,
        line_key=line_key,
        description=given.get("description") or "",
        quantity=given.get("quantity"),
        discount_percent=given.get("discount_percent", Decimal("0.00")),
        lead_time_days=given.get("lead_time_days", 0),
    )
    if product is not None:
        chosen = product_for_new_line(
            organization=organization, product_id_or_instance=product, currency=offer.currency
        )
        line.product = chosen.product
        line.description = line.description or chosen.product.name
        line.list_price = chosen.unit_price if chosen.unit_price is not None else Decimal("0.00")
        line.unit_cost = chosen.unit_cost if chosen.unit_cost is not None else Decimal("0.00")
        line.tax_percent = chosen.product.tax_rate.rate
    line.unit_price = given["unit_price"] if given.get("unit_price") is not None else line.list_price
    if product is None:
        line.list_price = line.unit_price
    line.full_clean()
    line.net = line_net(line.quantity, line.unit_price, line.discount_percent)
    return line


def _refresh_totals(organization: Organization, revision: OfferRevision) -> None:
    lines = list(OfferLine.objects.filter(organization=organization, revision=revision))
    totals = document_totals(LineAmount(line.tax_percent, line.tax_percent, line.net) for line in lines)
    revision.list_total = sum((cents(line.quantity * line.list_price) for line in lines), ZERO)
    revision.net_total = totals.net
    revision.cost_total = sum((cents(line.quantity * line.unit_cost) for line in lines), ZERO)
    revision.tax_total = totals.tax
    revision.total = totals.total
    revision.save(update_fields=["list_total", "net_total", "cost_total", "tax_total", "total"])


def _line_audit(line: OfferLine) -> dict:
    return audit_snapshot(line, LINE_FIELDS)


# --- Drafting -------------------------------------------------------------------------------------


@transaction.atomic
def offer_create(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    title: str,
    valid_until: date | None = None,
    expected_close: date | None = None,
    technical_contact: Membership | None = None,
    value_proposition: str = "",
    competitors: str = "",
    notes: str = "",
    lines: Sequence[LineInput] = (),
    currency: str | None = None,
) -> Offer:
    """A draft offer on `account`, in its currency (a `currency` given must be the account's),
    numbered now (O2026-000123), valid for the organisation's `valid_days` unless said otherwise,
    with `lines` (positions 1, 2, …), graded."""
    _require(
        permissions.can_draft_offer(actor, account),
        actor,
        account,
        _("Only the account's executives and its sales lead draft offers."),
    )
    if currency is not None and currency != account.currency:
        raise ValidationError(
            {"currency": _("An offer is in its account's currency, %(currency)s.") % {"currency": account.currency}}
        )
    today = timezone.localdate()
    if valid_until is None:
        valid_until = today + timedelta(days=offer_settings(organization=organization).valid_days)
    offer = Offer(
        organization=organization,
        account=account,
        number="-",
        title=title,
        currency=account.currency,
        valid_until=valid_until,
        expected_close=expected_close,
        owner=actor,
        technical_contact=technical_contact,
        value_proposition=value_proposition,
        competitors=competitors,
        notes=notes,
    )
    offer.full_clean()
    _terms_rules(offer, today)
    offer.number = _next_number(organization, today.year)
    offer.save()
    revision = OfferRevision.objects.create(organization=organization, offer=offer, number=1, created_by=actor)
    built = []
    for index, given in enumerate(lines):
        try:
            built.append(_build_line(organization, offer, revision, index + 1, dict(given), index + 1))
        except ValidationError as error:
            raise ValidationError(
                {f"lines.{index}.{field}": messages for field, messages in error.message_dict.items()}
            ) from None
    OfferLine.objects.bulk_create(built)
    _refresh_totals(organization, revision)
    _regrade(organization, actor, offer, revision)
    audit_created(organization=organization, actor=actor.user, obj=offer, fields=OFFER_FIELDS)
    return offer


def _terms_rules(offer: Offer, today: date) -> None:
    """What no field can say alone: a technical colleague sees the account; an offer is valid
    from today on."""
    errors = {}
    if offer.valid_until and offer.valid_until < today:
        errors["valid_until"] = _("An offer is valid until today or later.")
    contact = offer.technical_contact
    if contact is not None and (
        contact.organization_id != offer.organization_id or not permissions.can_see_account(contact, offer.account)
    ):
        errors["technical_contact"] = _("Choose someone who works on this account.")
    if errors:
        raise ValidationError(errors)


def _editable(offer: Offer) -> None:
    if not offer.is_editable:
        raise _state(
            _("A %(status)s offer cannot change: open a new revision when the client answers.")
            % {"status": offer.get_status_display().lower()}
        )


@transaction.atomic
def offer_update(
    *, organization: Organization, actor: Membership, offer: Offer, **changes: Unpack[OfferChanges]
) -> Offer:
    """Change an offer's terms (only what is given); graded again."""
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner changes it."))
    _editable(offer)
    before = audit_snapshot(offer, OFFER_FIELDS)
    for name, value in changes.items():
        setattr(offer, name, value)
    offer.full_clean()
    if "valid_until" in changes or "technical_contact" in changes:
        _terms_rules(offer, timezone.localdate())
    offer.save()
    _regrade(organization, actor, offer, _current(offer))
    audit_changes(organization=organization, actor=actor.user, action="offer.update", obj=offer, before=before)
    return offer


@transaction.atomic
def offer_line_add(
    *, organization: Organization, actor: Membership, offer: Offer, **given: Unpack[LineInput]
) -> OfferLine:
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner changes it."))
    _editable(offer)
    revision = _current(offer)
    last = OfferLine.objects.filter(organization=organization, revision__offer=offer).aggregate(
        p=Max("position", filter=Q(revision=revision)), k=Max("line_key")
    )
    line = _build_line(organization, offer, revision, (last["p"] or 0) + 1, dict(given), (last["k"] or 0) + 1)
    line.save()
    _refresh_totals(organization, revision)
    _regrade(organization, actor, offer, revision)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="offer.line_add",
        obj=offer,
        changes={"line": [None, _line_audit(line)]},
    )
    return line


def _line_of(organization: Organization, line: OfferLine) -> tuple[Offer, OfferLine]:
    line = OfferLine.objects.select_related("revision").get(organization=organization, pk=line.pk)
    offer = _locked(organization, line.revision.offer)
    return offer, line


@transaction.atomic
def offer_line_update(
    *, organization: Organization, actor: Membership, line: OfferLine, **changes: Unpack[LineInput]
) -> OfferLine:
    """Change a line of the current revision (only what is given); a new product brings its list
    price and cost."""
    offer, line = _line_of(organization, line)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner changes it."))
    _editable(offer)
    if line.revision.number != offer.revision:
        raise _state(_("An earlier revision cannot change."))
    before = _line_audit(line)
    if "product" in changes:
        given = {
            name: getattr(line, name) for name in ("description", "quantity", "discount_percent", "lead_time_days")
        }
        given |= {"description": "", "unit_price": None} | dict(changes)
        rebuilt = _build_line(organization, offer, line.revision, line.position, given, line.line_key)
    else:  # the line keeps the prices it was given from the catalogue
        rebuilt = line
        for name, value in changes.items():
            setattr(rebuilt, name, value)
        if rebuilt.product_id is None:
            rebuilt.list_price = rebuilt.unit_price
        rebuilt.full_clean()
        rebuilt.net = line_net(rebuilt.quantity, rebuilt.unit_price, rebuilt.discount_percent)
    rebuilt.pk = line.pk
    rebuilt.save()
    _refresh_totals(organization, line.revision)
    _regrade(organization, actor, offer, line.revision)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="offer.line_update",
        obj=offer,
        changes={"line": [before, _line_audit(rebuilt)]},
    )
    return rebuilt


@transaction.atomic
def offer_line_remove(*, organization: Organization, actor: Membership, line: OfferLine) -> None:
    offer, line = _line_of(organization, line)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner changes it."))
    _editable(offer)
    if line.revision.number != offer.revision:
        raise _state(_("An earlier revision cannot change."))
    before = _line_audit(line)
    revision = line.revision
    line.delete()
    _refresh_totals(organization, revision)
    _regrade(organization, actor, offer, revision)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="offer.line_remove",
        obj=offer,
        changes={"line": [before, None]},
    )


# --- Approval ---------------------------------------------------------------------------------------


def _transition(
    organization: Organization, actor: Membership, offer: Offer, action: str, status: str, **fields
) -> Offer:
    before = audit_snapshot(offer, ["status", *fields])
    offer.status = status
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.full_clean()
    offer.save()
    audit_changes(organization=organization, actor=actor.user, action=action, obj=offer, before=before)
    return offer


@transaction.atomic
def offer_submit(*, organization: Organization, actor: Membership, offer: Offer) -> Offer:
    """Submit a draft (or a rejected offer changed since, or a revision in negotiation) for
    approval: graded now; within every rule (A) it is approved at once."""
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner submits it."))
    if offer.status not in (OfferStatus.DRAFT, OfferStatus.REJECTED, OfferStatus.NEGOTIATION):
        raise _state(_("Only a draft, a rejected offer or a new revision is submitted."))
    revision = _current(offer)
    if not OfferLine.objects.filter(organization=organization, revision=revision).exists():
        raise ApplicationError(_("An offer needs at least one line."), {"lines": _("Add at least one line.")})
    _regrade(organization, actor, offer, revision)
    offer.approval_round += 1
    status = OfferStatus.APPROVED if offer.grade == Grade.A else OfferStatus.SUBMITTED
    return _transition(organization, actor, offer, "offer.submit", status, approval_round=offer.approval_round)


def approvals_needed(offer: Offer) -> list[str]:
    return [
        kind
        for kind, needed in (
            (ApprovalKind.COMMERCIAL.value, offer.needs_commercial_approval),
            (ApprovalKind.FINANCIAL.value, offer.needs_financial_approval),
        )
        if needed
    ]


@transaction.atomic
def offer_decide(
    *,
    organization: Organization,
    actor: Membership,
    offer: Offer,
    kind: str,
    decision: str,
    grade_seen: str,
    comment: str = "",
) -> OfferApproval:
    """Approve or reject the `kind` of terms of a submitted offer, having seen `grade_seen`. An
    offer graded differently now (its exposure moved since) is refused: look again. A rejection
    sends it back to its owner; the last approval needed approves it."""
    offer = _locked(organization, offer)
    if not permissions.can_decide_offer(actor, offer, kind):
        if offer.owner_id == actor.pk:
            _require(False, actor, offer.account, _("Nobody approves their own offer."))
        _require(
            False,
            actor,
            offer.account,
            _("Only the account's sales lead approves commercial terms, and finance financial risk."),
        )
    if offer.status != OfferStatus.SUBMITTED or kind not in approvals_needed(offer):
        raise _state(_("This offer does not wait for this approval."))
    revision = _current(offer)
    _version, graded = offer_grading(organization=organization, offer=offer, revision=revision)
    if graded.grade != offer.grade or grade_seen != offer.grade:
        raise _state(
            _("The offer changed since it was graded: it is graded %(grade)s now. Look at it again.")
            % {"grade": graded.grade}
        )
    approval = OfferApproval(
        organization=organization,
        offer=offer,
        round=offer.approval_round,
        revision=offer.revision,
        kind=kind,
        decision=decision,
        comment=comment,
        grade=offer.grade,
        reasons=offer.grade_reasons,
        decided_by=actor,
    )
    approval.full_clean()
    save_deciding_by_constraint(approval)
    decided = set(
        OfferApproval.objects.filter(
            organization=organization, offer=offer, round=offer.approval_round, decision=Decision.APPROVED
        ).values_list("kind", flat=True)
    )
    if decision == Decision.REJECTED:
        _transition(organization, actor, offer, "offer.reject", OfferStatus.REJECTED)
    elif decided >= set(approvals_needed(offer)):
        _transition(organization, actor, offer, "offer.approve", OfferStatus.APPROVED)
    else:
        audit_record(
            organization=organization,
            actor=actor.user,
            action="offer.approve",
            obj=offer,
            changes={"approval": [None, kind]},
        )
    return approval


# --- Sending, negotiating, closing -----------------------------------------------------------------


@transaction.atomic
def offer_send(
    *,
    organization: Organization,
    actor: Membership,
    offer: Offer,
    mail_to: str = "",
    language: str = "",
    message: str = "",
) -> Offer:
    """Send an approved offer to the client. With `mail_to` it is mailed, once this commits, as
    the PDF of its current revision in `language` (by default the client contact's), with the
    person's `message`; without, it is marked as sent (it went another way)."""
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner sends it."))
    if offer.status == OfferStatus.SUBMITTED:
        raise _state(_("This offer waits for approval: it cannot be sent yet."))
    if offer.status != OfferStatus.APPROVED:
        raise _state(_("Only an approved offer is sent."))
    sending = None
    if mail_to:
        from offers.documents import offer_reader

        reader = offer_reader(organization=organization, offer=offer)
        if language and language not in {code for code, _name in settings.LANGUAGES}:
            raise ValidationError({"language": _("Choose a language from the list.")})
        sending = OfferSending(
            organization=organization,
            offer=offer,
            revision=offer.revision,
            recipient_name=reader.name if reader.email.lower() == mail_to.strip().lower() else "",
            recipient_email=mail_to.strip(),
            language=language or reader.language,
            message=message,
            requested_by=actor,
        )
        sending.full_clean()
        sending.save()
    offer = _transition(organization, actor, offer, "offer.send", OfferStatus.SENT, sent_at=timezone.now())
    if sending is not None:
        audit_record(
            organization=organization,
            actor=actor.user,
            action="offer.mail",
            obj=offer,
            changes={"sent_to": [None, sending.recipient_email], "language": [None, sending.language]},
        )
        from offers.tasks import offer_sending_deliver

        sending_id = sending.pk
        transaction.on_commit(
            lambda: offer_sending_deliver.delay(organization_id=organization.pk, sending_id=sending_id)
        )
    return offer


def offer_sending_deliver(*, organization: Organization, sending_id: int) -> bool:
    """Mail a recorded sending, once: its row locked, the mail sent, `sent_at` set, in one
    transaction (the caller's tenant scope). False when it was mailed already (a second
    delivery of the task)."""
    from offers.documents import offer_pdf

    with transaction.atomic():
        sending = (
            OfferSending.objects.select_for_update(of=("self",))
            .select_related("offer__account__client", "offer__owner__user")
            .filter(organization=organization, pk=sending_id, sent_at__isnull=True)
            .first()
        )
        if sending is None:
            return False
        offer = sending.offer
        offer.revision = sending.revision  # the revision that was sent, even if another is open now
        offer.current = OfferRevision.objects.get(organization=organization, offer=offer, number=sending.revision)
        offer.current_lines = list(
            OfferLine.objects.filter(organization=organization, revision=offer.current)
            .select_related("product")
            .order_by("position")
        )
        pdf = offer_pdf(organization=organization, offer=offer, language=sending.language)
        with translation.override(sending.language):
            context = {"sending": sending, "offer": offer, "organization": organization}
            subject = render_to_string("offers/email/offer_subject.txt", context).strip()
            body = render_to_string("offers/email/offer_body.txt", context)
        owner = offer.owner.user.email
        mail = EmailMessage(subject=subject, body=body, to=[sending.recipient_email], reply_to=[owner])
        mail.attach(f"{offer.number}.pdf", pdf, "application/pdf")
        mail.send()
        sending.sent_at = timezone.now()
        sending.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def offer_revise(*, organization: Organization, actor: Membership, offer: Offer) -> OfferRevision:
    """The client answered: a new revision, a copy of the current one that can change (the
    previous one stays as it was); the offer is in negotiation and is submitted again."""
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner revises it."))
    if offer.status != OfferStatus.SENT:
        raise _state(_("Only a sent offer is negotiated."))
    previous = _current(offer)
    revision = OfferRevision.objects.create(
        organization=organization,
        offer=offer,
        number=previous.number + 1,
        created_by=actor,
        list_total=previous.list_total,
        net_total=previous.net_total,
        cost_total=previous.cost_total,
        tax_total=previous.tax_total,
        total=previous.total,
    )
    lines = list(OfferLine.objects.filter(organization=organization, revision=previous))
    for line in lines:
        line.pk, line.revision = None, revision
    OfferLine.objects.bulk_create(lines)
    _transition(organization, actor, offer, "offer.revise", OfferStatus.NEGOTIATION, revision=revision.number)
    return revision


@transaction.atomic
def offer_win(*, organization: Organization, actor: Membership, offer: Offer) -> Offer:
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner closes it."))
    if offer.status not in (OfferStatus.SENT, OfferStatus.NEGOTIATION):
        raise _state(_("Only a sent offer is won."))
    from offers.services_orders import order_create_from_offer

    won = _transition(organization, actor, offer, "offer.win", OfferStatus.WON, closed_at=timezone.now())
    order_create_from_offer(organization=organization, actor=actor, offer=won)
    return won


@transaction.atomic
def offer_lose(*, organization: Organization, actor: Membership, offer: Offer, reason: str, lost_to: str = "") -> Offer:
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner closes it."))
    if offer.status in CLOSED:
        raise _state(_("This offer is closed already."))
    return _transition(
        organization,
        actor,
        offer,
        "offer.lose",
        OfferStatus.LOST,
        lost_reason=reason,
        lost_to=lost_to,
        closed_at=timezone.now(),
    )


@transaction.atomic
def offer_withdraw(*, organization: Organization, actor: Membership, offer: Offer) -> Offer:
    offer = _locked(organization, offer)
    _require(permissions.can_work_offer(actor, offer), actor, offer.account, _("Only the offer's owner withdraws it."))
    if offer.status in CLOSED:
        raise _state(_("This offer is closed already."))
    return _transition(organization, actor, offer, "offer.withdraw", OfferStatus.WITHDRAWN, closed_at=timezone.now())


@transaction.atomic
def offers_expire(*, organization: Organization, today: date) -> int:
    """Every open offer valid until before `today` expires: one UPDATE, its audit rows in one
    INSERT. Run twice, the second run finds nothing."""
    expiring = Offer.objects.filter(organization=organization, status__in=OPEN, valid_until__lt=today)
    rows = list(expiring.select_for_update().values_list("pk", "number", "title", "status"))
    if not rows:
        return 0
    now = timezone.now()
    Offer.objects.filter(organization=organization, pk__in=[pk for pk, *_rest in rows]).update(
        status=OfferStatus.EXPIRED, closed_at=now
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=organization,
            actor=None,
            action="offer.expire",
            object_type=Offer._meta.label_lower,
            object_id=pk,
            object_repr=f"{number} {title}"[:200],
            changes={"status": [status, OfferStatus.EXPIRED.value]},
        )
        for pk, number, title, status in rows
    )
    return len(rows)
