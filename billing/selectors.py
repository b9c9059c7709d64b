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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Literal

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.selectors import visible_accounts
from billing.models import (
    Allocation,
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Payment,
)
from billing.permissions import can_see_all_billing
from billing.totals import ZERO, LineAmount, cents, document_totals
from catalog.models import Category, Product
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


def payment_unallocated(*, organization: Organization, payment: Payment) -> Decimal:
    """What is left of a payment to allocate now: its amount less its active allocations (nothing
    of a reversed payment). One query."""
    if payment.is_reversed:
        return ZERO
    allocated = Allocation.objects.filter(
        organization=organization, payment=payment, reversed_at__isnull=True
    ).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (allocated or ZERO)


# --- Lists and single documents ---------------------------------------------------------------------


def _visible(queryset: QuerySet, *, organization: Organization, membership: Membership, path: str = "account"):
    """Rows of the accounts `membership` sees (all of them for finance and admins)."""
    queryset = queryset.filter(organization=organization)
    if can_see_all_billing(membership):
        return queryset
    return queryset.filter(
        **{f"{path}__in": visible_accounts(organization=organization, membership=membership).values("pk")}
    )


def _overdue(today: date) -> Case:
    return Case(
        When(Q(outstanding__gt=0, due_date__lt=today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def invoice_list(*, organization: Organization, membership: Membership, today: date | None = None) -> QuerySet[Invoice]:
    """Invoices (drafts too) of the accounts the viewer sees, with their account and its client, `credited`,
    `paid`, `outstanding` and `is_overdue` (outstanding and due before `today`); newest first,
    drafts on top."""
    invoices = _visible(Invoice.objects.all(), organization=organization, membership=membership)
    return (
        with_open_amounts(invoices.select_related("account__client"))
        .annotate(is_overdue=_overdue(today or timezone.localdate()))
        .order_by(F("issue_date").desc(nulls_first=True), "-id")
    )


def invoice_get(*, organization: Organization, membership: Membership, invoice_id: int) -> Invoice:
    """One invoice the viewer may see, with its account and client, its people, its lines (with
    product and tax rate), its credit notes and its active allocations (with their payments),
    and its open amounts; Invoice.DoesNotExist (a 404) otherwise."""
    return (
        invoice_list(organization=organization, membership=membership)
        .select_related("account__client", "created_by__user", "issued_by__user")
        .prefetch_related(
            Prefetch("lines", InvoiceLine.objects.select_related("product", "tax_rate").order_by("position")),
            Prefetch("credit_notes", CreditNote.objects.order_by("issue_date", "id")),
            Prefetch(
                "allocations",
                Allocation.objects.filter(reversed_at__isnull=True).select_related("payment").order_by("id"),
                to_attr="active_allocations",
            ),
        )
        .get(pk=invoice_id)
    )


def invoice_outstanding(
    *, organization: Organization, membership: Membership, as_of: date | None = None, account: Account | None = None
) -> QuerySet[Invoice]:
    """Issued invoices with something open (now, or as of a date), of the accounts the viewer
    sees (or of one `account`), annotated `credited`, `paid`, `outstanding` and `is_overdue`;
    oldest due first."""
    invoices = _visible(Invoice.objects.all(), organization=organization, membership=membership).filter(
        status=InvoiceStatus.ISSUED
    )
    if as_of is not None:
        invoices = invoices.filter(issue_date__lte=as_of)
    if account is not None:
        invoices = invoices.filter(account=account)
    return (
        with_open_amounts(invoices.select_related("account"), as_of)
        .filter(outstanding__gt=0)
        .annotate(is_overdue=_overdue(as_of or timezone.localdate()))
        .order_by("due_date", "issue_date", "id")
    )


def credit_note_list(*, organization: Organization, membership: Membership) -> QuerySet[CreditNote]:
    """Credit notes of the accounts the viewer sees, with their invoice, account and client; newest first."""
    notes = _visible(CreditNote.objects.all(), organization=organization, membership=membership)
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


def _with_allocated(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    allocated = Coalesce(
        Subquery(
            Allocation.objects.filter(payment=OuterRef("pk"), reversed_at__isnull=True)
            .order_by()
            .values("payment")
            .annotate(s=Sum("amount"))
            .values("s")
        ),
        Value(ZERO),
        output_field=MONEY,
    )
    return payments.annotate(
        allocated=allocated,
        unallocated=Case(
            When(reversed_on__isnull=True, then=F("amount") - F("allocated")), default=Value(ZERO), output_field=MONEY
        ),
    )


def payment_list(*, organization: Organization, membership: Membership) -> QuerySet[Payment]:
    """Payments of the accounts the viewer sees, with their account, `allocated` (active
    allocations) and `unallocated` (the account's credit from it; nothing once reversed);
    newest first."""
    payments = _visible(Payment.objects.all(), organization=organization, membership=membership)
    return _with_allocated(payments.select_related("account")).order_by("-received_on", "-id")


def payment_get(*, organization: Organization, membership: Membership, payment_id: int) -> Payment:
    """One payment the viewer may see, with its allocations (all, ended ones too, with their
    invoices); DoesNotExist otherwise."""
    return (
        payment_list(organization=organization, membership=membership)
        .select_related("account__client", "recorded_by__user", "reversed_by__user")
        .prefetch_related(Prefetch("allocations", Allocation.objects.select_related("invoice").order_by("id")))
        .get(pk=payment_id)
    )


def payment_allocation_proposal(
    *, organization: Organization, payment: Payment, amount: Decimal | None = None
) -> list[tuple[Invoice, Decimal]]:
    """How to allocate `amount` (what is left of the payment, by default) to its account's open
    invoices in its currency: oldest due first, each up to what is open on it. One query for
    the invoices (and one for what is left, when `amount` is not given)."""
    left = payment_unallocated(organization=organization, payment=payment) if amount is None else amount
    proposal = []
    if left <= 0:
        return proposal
    invoices = with_open_amounts(
        Invoice.objects.filter(
            organization=organization,
            account_id=payment.account_id,
            currency=payment.currency,
            status=InvoiceStatus.ISSUED,
        )
    ).filter(outstanding__gt=0)
    for invoice in invoices.order_by("due_date", "issue_date", "id"):
        if left <= 0:
            break
        take = min(left, invoice.outstanding)
        proposal.append((invoice, take))
        left -= take
    return proposal


# --- Balances ---------------------------------------------------------------------------------------


def account_balances(
    *, organization: Organization, accounts: Iterable[Account | int], as_of: date | None = None
) -> dict[int, dict[str, Decimal]]:
    """{account id: {currency: balance}} from the ledger (debit − credit, entries dated by
    `as_of`), for many accounts in one query; an account with no entries is left out."""
    ids = [a if isinstance(a, int) else a.pk for a in accounts]
    entries = LedgerEntry.objects.filter(organization=organization, account_id__in=ids)
    if as_of is not None:
        entries = entries.filter(entry_date__lte=as_of)
    balances: dict[int, dict[str, Decimal]] = {}
    for account_id, currency, debit, credit in (
        entries.order_by()
        .values("account_id", "currency")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .values_list("account_id", "currency", "d", "c")
    ):
        balances.setdefault(account_id, {})[currency] = debit - credit
    return balances


def account_balance(*, organization: Organization, account: Account, as_of: date | None = None) -> dict[str, Decimal]:
    """{currency: balance} of one account from the ledger (see account_balances)."""
    return account_balances(organization=organization, accounts=[account.pk], as_of=as_of).get(account.pk, {})


@dataclass(frozen=True)
class BillingSummary:
    """What the portfolio and the account 360 page show of an account's billing."""

    account_id: int
    currency: str  # the account's
    balance: Decimal  # in it, from the ledger
    overdue: Decimal  # outstanding on invoices due before today
    oldest_overdue_invoice_id: int | None
    oldest_overdue_number: str | None
    oldest_overdue_due_date: date | None
    # The day it was read for: what its pages say "N days late" from (not part of its value).
    today: date | None = field(default=None, compare=False, repr=False)

    def days_overdue(self, today: date) -> int | None:
        return (today - self.oldest_overdue_due_date).days if self.oldest_overdue_due_date else None

    @property
    def oldest_overdue_days(self) -> int | None:
        """How many days past its due date the oldest overdue invoice is, on the day read for."""
        return self.days_overdue(self.today) if self.today else None


def account_billing_summary(
    *, organization: Organization, accounts: Iterable[Account | int], today: date | None = None
) -> dict[int, BillingSummary]:
    """{account id: BillingSummary} for many accounts in one query: the balance in the
    account's currency, the overdue amount and the oldest overdue invoice (number and due date).

    One SQL statement: each overdue invoice's credit notes and active allocations are summed
    once, its outstanding amount computed once, and a window gives each account's overdue sum
    and its oldest overdue invoice (by due date, issue date, id). (With with_open_amounts'
    annotations Django compiled four copies of those sums on every call: a third of the
    instructions of the portfolio and account pages.)"""
    today = today or timezone.localdate()
    ids = [a if isinstance(a, int) else a.pk for a in accounts]
    if not ids:
        return {}
    # The accounts through their manager: outside a tenant scope it refuses, as it always did.
    chosen, chosen_params = (
        Account.objects.filter(organization=organization, pk__in=ids)
        .order_by()
        .values("id", "currency")
        .query.sql_with_params()
    )
    connection = connections[Account.objects.db]
    table = connection.ops.quote_name
    in_ids = ", ".join(["%s"] * len(ids))
    # Each overdue invoice's credit notes and active allocations summed once, by index look-ups
    # on (organisation, invoice): the invoices of a page's accounts are a few thousand at most,
    # and the sums joined instead (as _aging_rows, over all of them) read every allocation of
    # the organisation: for 50 accounts of the billing bench tenant 209 ms against 41 (the ORM
    # version: 79), on a busy machine.
    sql = f"""
        SELECT a.id, a.currency, l.balance, o.overdue, o.id, o.number, o.due_date
        FROM ({chosen}) a
        LEFT JOIN (
            SELECT account_id, currency, SUM(debit - credit) AS balance
            FROM {table(LedgerEntry._meta.db_table)}
            WHERE organization_id = %s AND account_id IN ({in_ids})
            GROUP BY account_id, currency
        ) l ON l.account_id = a.id AND l.currency = a.currency
        LEFT JOIN (
            SELECT y.account_id, y.id, y.number, y.due_date, y.overdue
            FROM (
                SELECT x.account_id, x.id, x.number, x.due_date,
                       SUM(x.outstanding) OVER (PARTITION BY x.account_id) AS overdue,
                       ROW_NUMBER() OVER (
                           PARTITION BY x.account_id ORDER BY x.due_date, x.issue_date, x.id
                       ) AS n
                FROM (
                    SELECT inv.account_id, inv.id, inv.number, inv.due_date, inv.issue_date,
                           inv.total
                           - COALESCE((
                               SELECT SUM(c.total) FROM {table(CreditNote._meta.db_table)} c
                               WHERE c.organization_id = %s AND c.invoice_id = inv.id
                           ), 0)
                           - COALESCE((
                               SELECT SUM(p.amount) FROM {table(Allocation._meta.db_table)} p
                               WHERE p.organization_id = %s AND p.invoice_id = inv.id AND p.reversed_at IS NULL
                           ), 0) AS outstanding
                    FROM {table(Invoice._meta.db_table)} inv
                    JOIN {table(Account._meta.db_table)} ia ON ia.id = inv.account_id AND ia.currency = inv.currency
                    WHERE inv.organization_id = %s AND inv.account_id IN ({in_ids})
                      AND inv.status = %s AND inv.due_date < %s
                ) x
                -- above half a cent: on PostgreSQL's exact numeric the same as above zero; on
                -- SQLite's floats a settled invoice can be left a hair above it
                WHERE x.outstanding > 0.005
            ) y
            WHERE y.n = 1
        ) o ON o.account_id = a.id
    """
    params = [
        *chosen_params,
        *(organization.pk, *ids),
        *(organization.pk, organization.pk),
        *(organization.pk, *ids, InvoiceStatus.ISSUED, today),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        account_id: BillingSummary(
            account_id,
            currency,
            _money(balance),
            _money(overdue),
            oldest_id,
            oldest_number,
            date.fromisoformat(oldest_due) if isinstance(oldest_due, str) else oldest_due,
            today=today,
        )
        for account_id, currency, balance, overdue, oldest_id, oldest_number, oldest_due in rows
    }


def _money(value) -> Decimal:
    """A sum of amounts as a Decimal: PostgreSQL's numeric as it is (to the cent already), SQLite's
    float or integer to the cent; nothing summed is 0.00."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    amount = cents(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    return amount if amount else ZERO  # not -0.00, what a float a hair below zero rounds to


# --- Aging --------------------------------------------------------------------------------------------

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_91_120", "over_120")
BUCKET_LABELS = {
    "current": _("Current"),
    "days_1_30": _("1–30 days"),
    "days_31_60": _("31–60 days"),
    "days_61_90": _("61–90 days"),
    "days_91_120": _("91–120 days"),
    "over_120": _("Over 120 days"),
}
GroupBy = Literal["account", "owner", "team", "tenant"]
_GROUPS: dict[str, tuple[str, str] | None] = {
    "account": ("account_id", "account__name"),
    "owner": ("account__owner_id", "account__owner__user__full_name"),
    "team": ("account__sales_team_id", "account__sales_team__name"),
    "tenant": None,
}


@dataclass(frozen=True)
class Aging:
    """Outstanding amounts by days past the due date."""

    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, b) for b in BUCKETS), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.current


@dataclass(frozen=True)
class AgingRow:
    group: str  # account, owner, team or tenant
    key: int | None  # the account's, owner's (membership) or team's id; None for the tenant or no team
    label: str
    currency: str
    amounts: Aging  # in `currency`
    base: Aging  # in the organisation's base currency, at each invoice's stored rate


def _bucket_conditions(as_of: date) -> dict[str, Q]:
    days = [as_of - timedelta(days=n) for n in (30, 60, 90, 120)]
    return {
        "current": Q(due_date__gte=as_of),
        "days_1_30": Q(due_date__lt=as_of, due_date__gte=days[0]),
        "days_31_60": Q(due_date__lt=days[0], due_date__gte=days[1]),
        "days_61_90": Q(due_date__lt=days[1], due_date__gte=days[2]),
        "days_91_120": Q(due_date__lt=days[2], due_date__gte=days[3]),
        "over_120": Q(due_date__lt=days[3]),
    }


def _aging_rows(
    invoices: QuerySet[Invoice], as_of: date, group_by: str, organization: Organization, every_invoice: bool = False
) -> list[dict]:
    """One statement: per group and currency, each bucket's outstanding and its base amount.

    Set-based: the invoices' credit notes and the allocations that count on `as_of` are summed
    once per invoice and joined to the invoices (of the invoices asked about only), and each
    invoice's outstanding amount is computed once, then put in its bucket. `every_invoice`: the
    invoices are all the organisation's (finance's and admins' aging), so the sums need not be
    restricted to them. (With with_open_amounts' annotations instead, each bucket's sum repeated
    the two subqueries per invoice: 24 of them per invoice, some twenty times the time of this at
    100,000 invoices.)"""
    group = _GROUPS[group_by]
    columns = {
        "i_id": F("pk"),
        "i_currency": F("currency"),
        "i_due": F("due_date"),
        "i_rate": F("rate_to_base"),
        "i_total": F("total"),
    }
    if group:
        columns |= {"g_key": F(group[0]), "g_label": F(group[1])}
    issued = invoices.filter(status=InvoiceStatus.ISSUED, issue_date__lte=as_of).order_by()
    inner, inner_params = issued.values(**columns).query.sql_with_params()
    # The invoices asked about, again, for the sums: inline rather than a CTE, so that the planner
    # estimates them (one account's: an index look-up per invoice; some accounts': a hash join).
    if every_invoice:
        of_these, ids_params = "", ()
    else:
        ids, ids_params = issued.values("pk").query.sql_with_params()
        of_these = f"AND invoice_id IN ({ids})"
    upper = [None, as_of, *(as_of - timedelta(days=n) for n in (30, 60, 90, 120))]
    bucket_sql, bucket_params = [], []
    for name, (below, at_least) in zip(BUCKETS, zip(upper, [*upper[1:], None], strict=True), strict=True):
        conditions = [c for c in ("x.due < %s" if below else "", "x.due >= %s" if at_least else "") if c]
        params = [d for d in (below, at_least) if d]
        when = " AND ".join(conditions)
        bucket_sql += [
            f"SUM(CASE WHEN {when} THEN x.outstanding ELSE 0 END) AS {name}",
            f"SUM(CASE WHEN {when} THEN x.outstanding * x.rate ELSE 0 END) AS base_{name}",
        ]
        bucket_params += params + params
    keys = "x.g_key, x.g_label, " if group else ""
    sql = f"""
        SELECT {keys}x.currency, {", ".join(bucket_sql)}
        FROM (
            SELECT {"inv.g_key, inv.g_label, " if group else ""}inv.i_currency AS currency, inv.i_due AS due,
                   inv.i_rate AS rate, inv.i_total - COALESCE(c.s, 0) - COALESCE(p.s, 0) AS outstanding
            FROM ({inner}) inv
            LEFT JOIN (
                SELECT invoice_id, SUM(total) AS s FROM {CreditNote._meta.db_table}
                WHERE organization_id = %s AND issue_date <= %s {of_these}
                GROUP BY invoice_id
            ) c ON c.invoice_id = inv.i_id
            LEFT JOIN (
                SELECT invoice_id, SUM(amount) AS s FROM {Allocation._meta.db_table}
                WHERE organization_id = %s AND allocated_on <= %s AND (reversed_on IS NULL OR reversed_on > %s)
                  {of_these}
                GROUP BY invoice_id
            ) p ON p.invoice_id = inv.i_id
        ) x
        WHERE x.outstanding > 0
        GROUP BY {keys}x.currency
    """
    organization_id = organization.pk
    params = [
        *bucket_params,
        *inner_params,
        *(organization_id, as_of, *ids_params),
        *(organization_id, as_of, as_of, *ids_params),
    ]
    with connections[issued.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    renamed = {"g_key": group[0], "g_label": group[1]} if group else {}
    return [{renamed.get(name, name): _exact(name, value) for name, value in row.items()} for row in rows]


def _exact(name: str, value):
    """A sum as a Decimal (PostgreSQL's numeric is one already; SQLite's is a float), a bucket's
    to the cent (a base amount is rounded by _aging_of); the other columns as they are."""
    if name in BUCKETS:
        return cents(_exact(f"base_{name}", value))
    if not name.startswith("base_"):
        return value
    if value is None:
        return ZERO
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _aging_of(row: dict, prefix: str = "") -> Aging:
    if prefix:
        return Aging(**{b: cents(Decimal(row[f"{prefix}{b}"])) for b in BUCKETS})
    return Aging(**{b: row[b] for b in BUCKETS})


def aging(
    *, organization: Organization, membership: Membership, as_of: date, group_by: GroupBy = "account"
) -> list[AgingRow]:
    """What is outstanding on `as_of` by days past due, per account, owner (the account's
    executive), sales team or the whole tenant, and currency; of the accounts the viewer sees.
    Rows with nothing outstanding are left out; sorted by label and currency. One query."""
    if group_by not in _GROUPS:
        raise ValueError(f"group_by is one of {', '.join(_GROUPS)}")
    invoices = _visible(Invoice.objects.all(), organization=organization, membership=membership)
    group = _GROUPS[group_by]
    result = []
    for row in _aging_rows(invoices, as_of, group_by, organization, can_see_all_billing(membership)):
        amounts = _aging_of(row)
        if amounts.total == 0:
            continue
        if group is None:
            key, label = None, organization.name
        else:
            key = row[group[0]]
            label = row[group[1]] if key is not None else str(_("No team"))
        result.append(AgingRow(group_by, key, label, row["currency"], amounts, _aging_of(row, "base_")))
    return sorted(result, key=lambda r: (r.label.casefold(), r.currency, r.key or 0))


def dso(
    *,
    organization: Organization,
    membership: Membership,
    start: date,
    end: date,
    accounts: QuerySet[Account] | None = None,
) -> Decimal | None:
    """Days sales outstanding over [start, end] in the base currency: what is outstanding at the
    end ÷ what was invoiced (less credit notes) in the period × the period's days, to a tenth of a
    day; None when nothing was invoiced. Of the accounts the viewer sees (of those among
    `accounts`, when given: a page's filters). Three queries; what is outstanding is read as the
    aging reads it (set-based), not with a subquery per invoice."""
    invoices = _visible(Invoice.objects.all(), organization=organization, membership=membership).filter(
        status=InvoiceStatus.ISSUED
    )
    notes = _visible(CreditNote.objects.all(), organization=organization, membership=membership)
    if accounts is not None:
        invoices = invoices.filter(account__in=accounts.order_by().values("pk"))
        notes = notes.filter(account__in=accounts.order_by().values("pk"))
    every_invoice = accounts is None and can_see_all_billing(membership)
    receivable = sum(
        (
            row[f"base_{bucket}"]
            for row in _aging_rows(invoices, end, "tenant", organization, every_invoice)
            for bucket in BUCKETS
        ),
        ZERO,
    )
    sold = invoices.filter(issue_date__range=(start, end)).aggregate(
        s=Sum(F("total") * F("rate_to_base"), output_field=WIDE)
    )["s"]
    credited = notes.filter(issue_date__range=(start, end)).aggregate(
        s=Sum(F("total") * F("rate_to_base"), output_field=WIDE)
    )["s"]
    sales = Decimal(sold or 0) - Decimal(credited or 0)
    if sales <= 0:
        return None
    days = (end - start).days + 1
    with localcontext(prec=40):
        return (Decimal(receivable or 0) / sales * days).quantize(Decimal("0.1"))


# --- Statements ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """An account's statement for [start, end] in one currency.

    `entries`: a lazy queryset of LedgerEntry in date order, each with `balance` (the running
    balance after it, from `opening`), `document_number` (the invoice's or credit note's),
    `due_date` (an invoice's), `payment_reference` and `payment_method` (a payment's). Evaluate
    it inside the tenant scope; `.iterator()` streams it."""

    account: Account
    currency: str
    start: date
    end: date
    opening: Decimal
    debits: Decimal
    credits: Decimal
    closing: Decimal
    entries: QuerySet[LedgerEntry]
    aging: Aging  # what was outstanding at `end`, by days past due


def statement(
    *, organization: Organization, account: Account, start: date, end: date, currency: str | None = None
) -> Statement:
    """The statement of `account` (one the caller may see) from `start` to `end`, both included,
    in `currency` (the account's by default): the opening balance (every entry before `start`),
    every document and payment with the running balance, the totals, the closing balance (= the
    ledger's balance at `end`) and the aging at `end`. Three queries (the entries when read)."""
    currency = currency or account.currency
    ledger = LedgerEntry.objects.filter(organization=organization, account=account, currency=currency)
    in_period = Q(entry_date__gte=start, entry_date__lte=end)
    sums = ledger.filter(entry_date__lte=end).aggregate(
        opening=Coalesce(
            Sum(F("debit") - F("credit"), filter=Q(entry_date__lt=start)), Value(ZERO), output_field=MONEY
        ),
        debits=Coalesce(Sum("debit", filter=in_period), Value(ZERO), output_field=MONEY),
        credits=Coalesce(Sum("credit", filter=in_period), Value(ZERO), output_field=MONEY),
    )
    # (cents(): SQLite sums as floats and gives back Decimals of any exponent)
    opening, debits, credits = cents(sums["opening"]), cents(sums["debits"]), cents(sums["credits"])
    entries = (
        ledger.filter(in_period)
        .annotate(
            balance=Value(opening, output_field=MONEY)
            + Window(Sum(F("debit") - F("credit")), order_by=[F("entry_date").asc(), F("id").asc()]),
            document_number=Coalesce(F("invoice__number"), F("credit_note__number")),
            due_date=F("invoice__due_date"),
            payment_reference=F("payment__reference"),
            payment_method=F("payment__method"),
        )
        .order_by("entry_date", "id")
    )
    invoices = Invoice.objects.filter(organization=organization, account=account, currency=currency)
    rows = _aging_rows(invoices, end, "tenant", organization)
    return Statement(
        account=account,
        currency=currency,
        start=start,
        end=end,
        opening=opening,
        debits=debits,
        credits=credits,
        closing=opening + debits - credits,
        entries=entries,
        aging=_aging_of(rows[0]) if rows else Aging(),
    )


@dataclass(frozen=True)
class ProductLine:
    """An invoice or credit note line of the product in the period; a credit's quantity and
    net are negative."""

    kind: str  # "invoice" or "credit_note"
    date: date
    number: str  # the document's
    invoice_number: str
    sku: str
    description: str
    quantity: Decimal
    net: Decimal


@dataclass(frozen=True)
class AttributedPayment:
    """A payment applied to an invoice with the product (or its allocation ended: negative), and
    the part of it attributed to the product, pro rata to the product's share of the invoice."""

    kind: str  # "allocation", or "ended" (the payment reversed, or released by a credit note)
    date: date
    payment_id: int
    payment_reference: str
    invoice_number: str
    amount: Decimal  # the allocation's
    share: Decimal  # of the invoice's total, 0–1, to 8 places (the attribution uses it unrounded)
    attributed: Decimal


SHARE = Decimal("0.00000001")
ATTRIBUTION_NOTE = _(
    "Payments are attributed to the product pro rata: the product's share of each invoice's total, tax included."
)


@dataclass(frozen=True)
class ProductStatement:
    account: Account
    currency: str
    start: date
    end: date
    product: Product | None
    category: Category | None
    lines: list[ProductLine]
    payments: list[AttributedPayment]
    quantity_invoiced: Decimal = ZERO
    quantity_credited: Decimal = ZERO
    net_invoiced: Decimal = ZERO
    net_credited: Decimal = ZERO
    attributed_paid: Decimal = ZERO

    @property
    def attribution_note(self) -> str:
        return str(ATTRIBUTION_NOTE)


def _gross(column: str = "net", percent: str = "tax_percent"):
    return F(column) * (Value(Decimal(100)) + F(percent)) / Value(Decimal(100))


def product_statement(
    *,
    organization: Organization,
    account: Account,
    start: date,
    end: date,
    product: Product | None = None,
    category: Category | None = None,
    currency: str | None = None,
) -> ProductStatement:
    """The operations of `account` (one the caller may see) with one product, or with the
    products of one category, from `start` to `end`: the invoice and credit note lines of it with
    their quantities and amounts, and the payments applied to those invoices in the period,
    attributed pro rata to the product's share of each invoice (ATTRIBUTION_NOTE), an ended
    allocation as a negative row on the day it ended. Three queries."""
    if (product is None) == (category is None):
        raise ValueError("Give a product or a category.")
    currency = currency or account.currency
    of_product = Q(product=product) if product is not None else Q(product__category=category)
    invoice_lines = InvoiceLine.objects.filter(organization=organization).filter(of_product)
    lines = [
        ProductLine("invoice", day, number, number, sku or "", description, quantity, net)
        for day, number, sku, description, quantity, net in invoice_lines.filter(
            invoice__account=account,
            invoice__currency=currency,
            invoice__status=InvoiceStatus.ISSUED,
            invoice__issue_date__range=(start, end),
        )
        .order_by("invoice__issue_date", "invoice__number", "position")
        .values_list("invoice__issue_date", "invoice__number", "product__sku", "description", "quantity", "net")
    ]
    of_credited_product = (
        Q(invoice_line__product=product) if product is not None else Q(invoice_line__product__category=category)
    )
    lines += [
        ProductLine("credit_note", day, number, invoice_number, sku or "", description, -quantity, -net)
        for day, number, invoice_number, sku, description, quantity, net in CreditNoteLine.objects.filter(
            of_credited_product,
            organization=organization,
            credit_note__account=account,
            credit_note__currency=currency,
            credit_note__issue_date__range=(start, end),
        )
        .order_by("credit_note__issue_date", "credit_note__number", "invoice_line__position")
        .values_list(
            "credit_note__issue_date",
            "credit_note__number",
            "invoice_line__invoice__number",
            "invoice_line__product__sku",
            "invoice_line__description",
            "quantity",
            "net",
        )
    ]
    lines.sort(key=lambda line: (line.date, line.kind != "invoice", line.number))
    product_gross = (
        invoice_lines.filter(invoice=OuterRef("invoice"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum(_gross()))
        .values("s")
    )
    invoice_gross = (
        InvoiceLine.objects.filter(invoice=OuterRef("invoice"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum(_gross()))
        .values("s")
    )
    allocations = (
        Allocation.objects.filter(organization=organization, invoice__account=account, invoice__currency=currency)
        .filter(Q(allocated_on__range=(start, end)) | Q(reversed_on__range=(start, end)))
        .filter(Exists(invoice_lines.filter(invoice=OuterRef("invoice"))))
        .annotate(
            product_gross=Subquery(product_gross, output_field=WIDE),
            invoice_gross=Subquery(invoice_gross, output_field=WIDE),
        )
        .order_by("allocated_on", "id")
        .values_list(
            "allocated_on",
            "reversed_on",
            "payment_id",
            "payment__reference",
            "invoice__number",
            "amount",
            "product_gross",
            "invoice_gross",
        )
    )
    payments = []
    for allocated_on, reversed_on, payment_id, reference, number, amount, part, whole in allocations:
        with localcontext(prec=40):
            exact = Decimal(part) / Decimal(whole) if whole else Decimal(0)
            attributed = cents(amount * exact)
        share = exact.quantize(SHARE)
        if start <= allocated_on <= end:
            payments.append(
                AttributedPayment("allocation", allocated_on, payment_id, reference, number, amount, share, attributed)
            )
        if reversed_on is not None and start <= reversed_on <= end:
            payments.append(
                AttributedPayment("ended", reversed_on, payment_id, reference, number, -amount, share, -attributed)
            )
    payments.sort(key=lambda p: (p.date, p.kind != "allocation", p.payment_id))
    return ProductStatement(
        account=account,
        currency=currency,
        start=start,
        end=end,
        product=product,
        category=category,
        lines=lines,
        payments=payments,
        quantity_invoiced=sum((line.quantity for line in lines if line.kind == "invoice"), Decimal(0)),
        quantity_credited=-sum((line.quantity for line in lines if line.kind == "credit_note"), Decimal(0)),
        net_invoiced=sum((line.net for line in lines if line.kind == "invoice"), ZERO),
        net_credited=-sum((line.net for line in lines if line.kind == "credit_note"), ZERO),
        attributed_paid=sum((p.attributed for p in payments), ZERO),
    )


# --- An invoice's page ------------------------------------------------------------------------------


def with_credited(*, organization: Organization, invoice: Invoice, lines: list[InvoiceLine]) -> list[InvoiceLine]:
    """`lines` of `invoice`, each given the quantity credited so far (`credited_quantity`) and
    what is left to credit (`left_to_credit`). One query."""
    credited = dict(
        CreditNoteLine.objects.filter(organization=organization, invoice_line__invoice=invoice)
        .order_by()
        .values("invoice_line")
        .annotate(quantity=Sum("quantity"))
        .values_list("invoice_line", "quantity")
    )
    for line in lines:
        line.credited_quantity = credited.get(line.pk, Decimal("0"))
        line.left_to_credit = line.quantity - line.credited_quantity
    return lines


def invoice_lines(*, organization: Organization, invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines in order, with their product and tax rate, and of each what is
    credited and what is left to credit (with_credited). Two queries."""
    lines = InvoiceLine.objects.filter(organization=organization, invoice=invoice).select_related("product", "tax_rate")
    return with_credited(organization=organization, invoice=invoice, lines=list(lines.order_by("position", "id")))


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
    lines: list[InvoiceLine]  # with `credited_quantity` and `left_to_credit`
    tax_summary: list[TaxSummaryRow]
    allocations: list[Allocation]  # the active ones, with their payments
    credit_notes: list[CreditNote]
    history: list[AuditEvent]


def invoice_detail(*, organization: Organization, membership: Membership, invoice_id: int) -> InvoiceDetail:
    """Everything an invoice's page shows, in a fixed number of queries whatever its size:
    invoice_get (the invoice with its open amounts, lines, credit notes and payments applied),
    what is credited of each line, and the audit trail."""
    invoice = invoice_get(organization=organization, membership=membership, invoice_id=invoice_id)
    lines = with_credited(organization=organization, invoice=invoice, lines=list(invoice.lines.all()))
    credit_notes = list(invoice.credit_notes.all())
    return InvoiceDetail(
        invoice=invoice,
        lines=lines,
        tax_summary=tax_summary(lines),
        allocations=invoice.active_allocations,
        credit_notes=credit_notes,
        history=invoice_history(organization=organization, invoice=invoice, credit_notes=credit_notes),
    )
