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
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from billing.models import (
    Allocation,
    BillingSettings,
    CreditNote,
    Invoice,
    InvoiceStatus,
)
from billing.totals import ZERO
from tenancy.models import Organization
from tenancy.selectors import one_or_none

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
