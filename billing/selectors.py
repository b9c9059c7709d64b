"""Reads for billing: invoices, credit notes and payments as each person may see them, what is
open on them, balances, aging, DSO, the billing summary of many accounts, and statements.

Set-based: every selector is a fixed number of queries whatever the number of rows (the
querysets they return are lazy: evaluate them inside the tenant scope). Those that list take
the organisation and the viewer's membership and show the accounts the viewer sees
(accounts.permissions); those given an account (balances, statements) expect one the caller
got through accounts.selectors.account_get, which asked already.

What is open is computed at read time from the documents, never stored:

- an invoice's outstanding amount = its total − its credit notes − the allocations to it that
  are active; never negative (billing.services releases what a credit note leaves overpaid);
- "as of" a date: only the documents dated on or before it; an allocation counts from its
  `allocated_on` until the day it ended (`reversed_on`), excluded;
- overdue = outstanding with a due date before the day asked about (today by default);
- aging buckets, by days past the due date: current (not due yet, or due that day), 1–30,
  31–60, 61–90, 91–120, over 120;
- balances come from the ledger: debit − credit, what the account owes (negative: its credit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.selectors import visible_accounts
from billing.models import (
    Allocation,
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from billing.permissions import can_see_all_billing
from billing.totals import ZERO, LineAmount, document_totals
from tenancy.models import AuditEvent, Membership, Organization
from tenancy.selectors import audit_display, one_or_none
from tenancy.text import amount_text

MONEY = DecimalField(max_digits=14, decimal_places=2)
# Sums of amounts times rates: wide enough for any of them, rounded to the cent in Python.
WIDE = DecimalField(max_digits=40, decimal_places=12)


def billing_settings(*, organization: Organization) -> BillingSettings:
    """The organisation's billing settings, or the defaults (unsaved) when it never set them."""
    return one_or_none(BillingSettings.objects.filter(organization=organization)) or BillingSettings(
        organization=organization
    )


# --- What is open on an invoice -------------------------------------------------------------------


def active_allocation(as_of: date | None = None) -> Q:
    """The allocations that count: now (not ended), or on `as_of` (made by then, not ended by then)."""
    if as_of is None:
        return Q(reversed_at__isnull=True)
    return Q(allocated_on__lte=as_of) & (Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))


def _sum_per_invoice(queryset: QuerySet, column: str = "total") -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.filter(invoice=OuterRef("pk")).order_by().values("invoice").annotate(s=Sum(column)).values("s")
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def credited_amount(as_of: date | None = None) -> Coalesce:
    """On an Invoice queryset: what its credit notes (dated by `as_of`) credit of it."""
    notes = CreditNote.objects.all()
    if as_of is not None:
        notes = notes.filter(issue_date__lte=as_of)
    return _sum_per_invoice(notes)


def paid_amount(as_of: date | None = None) -> Coalesce:
    """On an Invoice queryset: the payments allocated to it that count (see active_allocation)."""
    return _sum_per_invoice(Allocation.objects.filter(active_allocation(as_of)), "amount")


def with_open_amounts(invoices: QuerySet[Invoice], as_of: date | None = None) -> QuerySet[Invoice]:
    """`invoices` with `credited`, `paid` and `outstanding` (total − credited − paid, never below
    zero; zero for a draft), now or as of a date."""
    return invoices.annotate(
        credited=credited_amount(as_of),
        paid=paid_amount(as_of),
        outstanding=Case(
            When(
                status=InvoiceStatus.ISSUED,
                then=Greatest(F("total") - F("credited") - F("paid"), Value(ZERO), output_field=MONEY),
            ),
            default=Value(ZERO),
            output_field=MONEY,
        ),
    )


def invoice_open_amounts(*, organization: Organization, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """{invoice id: outstanding now}, one query (the services read it under their locks)."""
    invoices = Invoice.objects.filter(organization=organization, pk__in=list(invoice_ids))
    return dict(with_open_amounts(invoices).values_list("pk", "outstanding"))


# --- Invoices and credit notes as a person sees them ------------------------------------------


def _of_visible_accounts(documents: QuerySet, *, organization: Organization, membership: Membership) -> QuerySet:
    """`documents` (with an `account`) of the accounts `membership` sees: all of them for
    finance and admins, without a subquery; a subquery of accounts.permissions otherwise."""
    if can_see_all_billing(membership):
        return documents
    return documents.filter(account__in=visible_accounts(organization=organization, membership=membership).values("pk"))


def overdue(today: date) -> ExpressionWrapper:
    """On an Invoice queryset with open amounts: something is outstanding past its due date."""
    return ExpressionWrapper(Q(outstanding__gt=0, due_date__lt=today), output_field=BooleanField())


def invoice_list(*, organization: Organization, membership: Membership, today: date | None = None) -> QuerySet[Invoice]:
    """The invoices of the accounts `membership` sees, newest first (drafts without a date
    first), each with its account and client, what is open on it (with_open_amounts) and
    `is_overdue` on `today` (derived now, never stored). One query however many rows."""
    invoices = _of_visible_accounts(
        Invoice.objects.filter(organization=organization), organization=organization, membership=membership
    )
    return (
        with_open_amounts(invoices.select_related("account__client"))
        .annotate(is_overdue=overdue(today or timezone.localdate()))
        .order_by(F("issue_date").desc(nulls_first=True), "-id")
    )


def invoice_get(*, organization: Organization, membership: Membership, invoice_id: int) -> Invoice:
    """An invoice as invoice_list has it, with who created and issued it; Invoice.DoesNotExist
    (a 404) when it is not this organisation's or its account is not one `membership` sees."""
    return (
        invoice_list(organization=organization, membership=membership)
        .select_related("created_by__user", "issued_by__user")
        .get(pk=invoice_id)
    )


def invoice_lines(*, organization: Organization, invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines in order, with their product and tax rate, and of each the quantity
    credited so far (`credited_quantity`) and what is left to credit (`left_to_credit`). One query."""
    credited = (
        CreditNoteLine.objects.filter(organization=organization, invoice_line=OuterRef("pk"))
        .order_by()
        .values("invoice_line")
        .annotate(q=Sum("quantity"))
        .values("q")
    )
    quantity = DecimalField(max_digits=12, decimal_places=3)
    lines = (
        InvoiceLine.objects.filter(organization=organization, invoice=invoice)
        .select_related("product", "tax_rate")
        .annotate(credited_quantity=Coalesce(Subquery(credited), Value(Decimal("0")), output_field=quantity))
        .annotate(left_to_credit=ExpressionWrapper(F("quantity") - F("credited_quantity"), output_field=quantity))
        .order_by("position", "id")
    )
    return list(lines)


@dataclass(frozen=True)
class TaxSummaryRow:
    name: str  # the tax rate's name
    percent: Decimal
    net: Decimal
    tax: Decimal


def tax_summary(lines: Iterable[InvoiceLine]) -> list[TaxSummaryRow]:
    """Each tax rate of `lines` (with their tax rates selected): the base it applies to and its
    tax, as billing.totals computes them (the highest rate first). No query."""
    lines = list(lines)
    names = {(line.tax_rate_id, line.tax_percent): line.tax_rate.name for line in lines}
    totals = document_totals(
        LineAmount((line.tax_rate_id, line.tax_percent), line.tax_percent, line.net) for line in lines
    )
    return [TaxSummaryRow(names[rate.rate_key], rate.percent, rate.net, rate.tax) for rate in totals.rates]


def _stored_amount(value, places: int | None = None) -> str:
    """An amount the trail stored as text, as the reader writes numbers; `places` None keeps
    only the decimals it has (a quantity of 3.000 reads 3, of 1.500 reads 1.5)."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if places is None:
        places = max(0, -amount.normalize().as_tuple().exponent)
    return amount_text(amount, places)


def _line_text(line: dict | None) -> str | None:
    """A line as the trail stored it, in words: "Sensor kit · 3 × 120.00 (−10.00 %)"."""
    if not isinstance(line, dict):
        return line
    text = f"{line.get('description', '')} · {_stored_amount(line.get('quantity'))} × {_stored_amount(line.get('unit_price'), 2)}"
    if Decimal(str(line.get("discount_percent") or 0)):
        text += f" (−{_stored_amount(line['discount_percent'], 2)} %)"
    return text


def invoice_history(
    *, organization: Organization, invoice: Invoice, credit_notes: Iterable[CreditNote] = (), limit: int = 30
) -> list[AuditEvent]:
    """The invoice's audit trail, newest first, with its credit notes': who, when, what, from
    what (audit_display), a changed line in words. Three queries whatever the events."""
    about = Q(object_type="billing.invoice", object_id=invoice.pk)
    note_ids = [note.pk for note in credit_notes]
    if note_ids:
        about |= Q(object_type="billing.creditnote", object_id__in=note_ids)
    events = list(
        AuditEvent.objects.filter(organization=organization)
        .filter(about)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    for event in audit_display(events, organization=organization):
        if "line" in event.changes:
            before, after = (event.changes["line"] + [None, None])[:2]
            event.display_changes = [
                (
                    str(InvoiceLine._meta.verbose_name),
                    _line_text(before),
                    _line_text(after),
                )
            ]
    return events


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    lines: list[InvoiceLine]
    tax_summary: list[TaxSummaryRow]
    allocations: list[Allocation]  # every allocation, ended ones too (`is_active`)
    credit_notes: list[CreditNote]
    history: list[AuditEvent]


def invoice_detail(*, organization: Organization, membership: Membership, invoice_id: int) -> InvoiceDetail:
    """Everything the invoice's page shows, in seven queries whatever its size: the invoice with
    its open amounts, its lines with what is credited of each, the payments applied to it, its
    credit notes and the audit trail (three)."""
    invoice = invoice_get(organization=organization, membership=membership, invoice_id=invoice_id)
    lines = invoice_lines(organization=organization, invoice=invoice)
    allocations = list(
        Allocation.objects.filter(organization=organization, invoice=invoice)
        .select_related("payment")
        .order_by("allocated_on", "id")
    )
    credit_notes = list(
        CreditNote.objects.filter(organization=organization, invoice=invoice).order_by("issue_date", "id")
    )
    return InvoiceDetail(
        invoice=invoice,
        lines=lines,
        tax_summary=tax_summary(lines),
        allocations=allocations,
        credit_notes=credit_notes,
        history=invoice_history(organization=organization, invoice=invoice, credit_notes=credit_notes),
    )


def credit_note_list(*, organization: Organization, membership: Membership) -> QuerySet[CreditNote]:
    """The credit notes of the accounts `membership` sees, newest first, each with its invoice,
    account and client. One query however many rows."""
    notes = _of_visible_accounts(
        CreditNote.objects.filter(organization=organization), organization=organization, membership=membership
    )
    return notes.select_related("invoice", "account__client").order_by("-issue_date", "-id")


def credit_note_get(*, organization: Organization, membership: Membership, credit_note_id: int) -> CreditNote:
    """A credit note with its lines (`lines.all`, each with its invoice line and product) and who
    made it; CreditNote.DoesNotExist (a 404) when its account is not one `membership` sees."""
    lines = (
        CreditNoteLine.objects.filter(organization=organization)
        .select_related("invoice_line__product", "tax_rate")
        .order_by("invoice_line__position", "id")
    )
    return (
        credit_note_list(organization=organization, membership=membership)
        .select_related("created_by__user")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .get(pk=credit_note_id)
    )
