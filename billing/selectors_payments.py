"""Reads for the payment pages and their API, beside billing.selectors (payment_list and
payment_get, the proposal): the allocations one may see, the ledger entries a payment wrote,
its history, and the open invoices a payment can be allocated to.

Set-based like billing.selectors (a fixed number of queries whatever the number of rows; the
querysets are lazy: evaluate them inside the tenant scope). Visibility is billing.selectors':
finance and admins see every account's, an account executive or a lead those of the accounts
they see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import Allocation, Invoice, InvoiceStatus, LedgerEntry, Payment
from billing.selectors import _visible, with_open_amounts
from tenancy.models import AuditEvent, Membership, Organization
from tenancy.selectors import audit_display
from tenancy.text import money_text


def payment_ledger(*, organization: Organization, payment: Payment) -> list[LedgerEntry]:
    """The ledger entries the payment wrote: its credit and, once reversed, the debit back."""
    return list(LedgerEntry.objects.filter(organization=organization, payment=payment).order_by("entry_date", "id"))


def allocation_list(*, organization: Organization, membership: Membership) -> QuerySet[Allocation]:
    """The allocations of the payments `membership` may see, with their invoice."""
    allocations = _visible(
        Allocation.objects.select_related("invoice"),
        organization=organization,
        membership=membership,
        path="payment__account",
    )
    return allocations.order_by("id")


def open_invoices(*, organization: Organization, account: Account, currency: str) -> list[Invoice]:
    """The account's issued invoices in `currency` with something still open (`outstanding`),
    oldest due first: the order billing.selectors.payment_allocation_proposal fills them in.
    One query."""
    invoices = Invoice.objects.filter(
        organization=organization, account=account, currency=currency, status=InvoiceStatus.ISSUED
    )
    return list(with_open_amounts(invoices).filter(outstanding__gt=0).order_by("due_date", "issue_date", "id"))


# What the services record beside the payment's fields, as people read it.
HISTORY_LABELS = {"allocations_ended": _("allocations ended")}


def payment_history(*, organization: Organization, payment: Payment, limit: int = 30) -> list[AuditEvent]:
    """The payment's audit trail, newest first, ready to show (tenancy.selectors.audit_display);
    the allocations an event made as `allocation_texts` [(invoice number, amount)]. The same
    queries whatever the events."""
    events = list(
        AuditEvent.objects.filter(organization=organization, object_type="billing.payment", object_id=payment.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    audit_display(events, organization=organization)

    def made(event) -> list[dict]:
        values = event.changes.get("allocations")
        after = values[-1] if isinstance(values, list) and values and isinstance(values[-1], list) else []
        return [item for item in after if isinstance(item, dict)]

    ids = {item.get("invoice") for event in events for item in made(event)}
    numbers = dict(
        Invoice.objects.filter(organization=organization, pk__in={i for i in ids if isinstance(i, int)} or {0})
        .order_by()
        .values_list("pk", "number")
    )
    for event in events:
        event.allocation_texts = [
            (numbers.get(item.get("invoice"), "—"), money_text(Decimal(item["amount"]), payment.currency))
            for item in made(event)
        ]
        event.display_changes = [
            (HISTORY_LABELS.get(label, label), before, after)
            for label, before, after in event.display_changes
            if label != "allocations"
        ]
    return events
