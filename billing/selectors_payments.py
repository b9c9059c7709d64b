"""Reads for the payment pages and their API: payments as each person may see them, with what
is allocated and what is left of each, their allocations, the ledger entries they wrote, their
history, and the open invoices a payment can be allocated to.

Set-based like billing.selectors (a fixed number of queries whatever the number of rows; the
querysets are lazy: evaluate them inside the tenant scope). Visibility is accounts.permissions':
finance and admins see every account's payments, an account executive or a lead those of the
accounts they see; a payment of any other account is Payment.DoesNotExist (404), as if it did
not exist.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import Account
from accounts.permissions import account_visibility, can_see_every_account
from billing.models import Allocation, Invoice, InvoiceStatus, LedgerEntry, Payment
from billing.selectors import MONEY, with_open_amounts
from billing.totals import ZERO
from tenancy.models import AuditEvent, Membership, Organization
from tenancy.selectors import audit_display
from tenancy.text import money_text


def _visible(queryset: QuerySet, membership: Membership, prefix: str = "account") -> QuerySet:
    """`queryset` narrowed to the rows of the accounts `membership` sees (no narrowing, and no
    subquery, for finance and admins)."""
    if can_see_every_account(membership):
        return queryset
    accounts = Account.objects.filter(organization_id=membership.organization_id).filter(account_visibility(membership))
    return queryset.filter(**{f"{prefix}__in": accounts.values("pk")})


def allocated_amount() -> Coalesce:
    """On a Payment queryset: what its active allocations apply to invoices now."""
    active = (
        Allocation.objects.filter(payment=OuterRef("pk"), reversed_at__isnull=True)
        .order_by()
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Coalesce(Subquery(active), Value(ZERO), output_field=MONEY)


def with_allocated(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """`payments` with `allocated` (its active allocations) and `unallocated` (what is left to
    allocate: the account's credit; nothing of a reversed payment)."""
    return payments.annotate(
        allocated=allocated_amount(),
        unallocated=Case(
            When(reversed_on__isnull=False, then=Value(ZERO)),
            default=F("amount") - F("allocated"),
            output_field=MONEY,
        ),
    )


def payment_list(*, organization: Organization, membership: Membership) -> QuerySet[Payment]:
    """The payments of the accounts `membership` sees, newest received first, with `allocated`
    and `unallocated`, and their account (one query)."""
    payments = Payment.objects.filter(organization=organization).select_related("account")
    return with_allocated(_visible(payments, membership)).order_by("-received_on", "-id")


def payment_get(*, organization: Organization, membership: Membership, payment_id: int) -> Payment:
    """The payment if `membership` sees its account (Payment.DoesNotExist, a 404, if not, whether
    it exists or not), with `allocated`, `unallocated` and who recorded and reversed it."""
    return (
        payment_list(organization=organization, membership=membership)
        .select_related("account__client", "recorded_by__user", "reversed_by__user")
        .get(pk=payment_id)
    )


def payment_allocations(*, organization: Organization, payment: Payment) -> list[Allocation]:
    """Every allocation of the payment, ended ones too, in the order they were made, with their
    invoice and who made them (one query)."""
    return list(
        Allocation.objects.filter(organization=organization, payment=payment)
        .select_related("invoice", "created_by__user", "credit_note")
        .order_by("id")
    )


def payment_ledger(*, organization: Organization, payment: Payment) -> list[LedgerEntry]:
    """The ledger entries the payment wrote: its credit and, once reversed, the debit back."""
    return list(LedgerEntry.objects.filter(organization=organization, payment=payment).order_by("entry_date", "id"))


def allocation_list(*, organization: Organization, membership: Membership) -> QuerySet[Allocation]:
    """The allocations of the payments `membership` may see, with their payment and invoice."""
    allocations = Allocation.objects.filter(organization=organization).select_related("payment", "invoice")
    return _visible(allocations, membership, "payment__account").order_by("id")


def open_invoices(*, organization: Organization, account: Account, currency: str) -> list[Invoice]:
    """The account's issued invoices in `currency` with something still open (`outstanding`),
    oldest due first: the order billing.selectors.payment_allocation_proposal fills them in.
    One query."""
    invoices = Invoice.objects.filter(
        organization=organization, account=account, currency=currency, status=InvoiceStatus.ISSUED
    )
    return list(with_open_amounts(invoices).filter(outstanding__gt=0).order_by("due_date", "issue_date", "id"))


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
        event.display_changes = [row for row in event.display_changes if row[0] != "allocations"]
    return events


def has_unallocated(value: bool | None) -> Q:
    """A condition on a with_allocated() queryset: something left to allocate, or nothing."""
    return Q(unallocated__gt=0) if value else Q(unallocated=0)
