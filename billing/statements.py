"""Statements of account, read from the ledger and the documents.

- `statement_for_account`: the balance brought forward on the day before the period (the
  opening), every ledger entry of the period (invoices, credit notes, payments, reversals) with
  the running balance, the period's debits and credits, the closing balance, and the aging of
  what is open at the end date. opening + debits − credits = closing, to the cent, and the
  closing is the ledger's balance at the end date: both are sums of the same rows.
- `product_statement`: the operations of one product, or of the products of a category: the
  invoice lines and credit note lines, with quantities and amounts, and the payments applied
  to the invoices that carry them, attributed pro rata to the product's share of each invoice.
- `statement_reader`: the account's finance contact, who the statement is for (the mailing's
  recipient, the PDF's language).

Set-based: each is a fixed number of queries whatever the number of entries (the running
balance is a window function; the entries are read lazily, so a CSV of 10,000 lines streams
them with a server-side cursor and a page reads only its slice). Callers pass an account they
got through accounts.selectors.account_get, which asked whether the reader may see it.

Pro rata, as the product statement says it: a payment applied to an invoice pays each of its
lines in proportion to what is left of it. The product's share of an invoice is what its lines
come to (net plus the tax at the line's rate) less what credit notes dated by the statement's
end credited of them, over the same for all the invoice's lines; each allocation's attributed
amount is that share of it, rounded half-up to the cent once (billing.totals.pro_rata). An
allocation that ended in the period (its payment reversed, or released by a credit note) is
attributed back the same way, on the day it ended.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account, AccountRole, AccountTeamMember
from billing.models import (
    Allocation,
    AllocationEnd,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
)
from billing.selectors import active_allocation, with_open_amounts
from billing.totals import ZERO, pro_rata, tax_on
from catalog.models import Category, Product
from clients.models import BuyingRole, Contact
from tenancy.models import Membership, Organization
from tenancy.selectors import one_or_none

MONEY = DecimalField(max_digits=14, decimal_places=2)
# A running balance adds up to as many entries as an account has: wider than one amount.
BALANCE = DecimalField(max_digits=20, decimal_places=2)


def _money_sum(expression, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition, output_field=BALANCE), Value(ZERO), output_field=BALANCE)


# --- The period ------------------------------------------------------------------------------------


def year_to_date(today: date) -> tuple[date, date]:
    """The default period: from the first of January to today."""
    return today.replace(month=1, day=1), today


def previous_month(today: date) -> tuple[date, date]:
    """The whole month before `today`'s: what the monthly mailing sends."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


# --- Aging at a date ------------------------------------------------------------------------------

AGING_BUCKETS = [
    ("current", gettext_lazy("Current")),
    ("days_1_30", gettext_lazy("1–30 days")),
    ("days_31_60", gettext_lazy("31–60 days")),
    ("days_61_90", gettext_lazy("61–90 days")),
    ("days_91_120", gettext_lazy("91–120 days")),
    ("over_120", gettext_lazy("Over 120 days")),
]
# Days past due (the day asked about − the due date) of each bucket, both ends included.
_BUCKET_DAYS = {
    "current": (None, 0),
    "days_1_30": (1, 30),
    "days_31_60": (31, 60),
    "days_61_90": (61, 90),
    "days_91_120": (91, 120),
    "over_120": (121, None),
}


@dataclass(frozen=True)
class Aging:
    """What is open on an account's invoices on a day, by days past their due dates, and the
    payments received by then that are not applied to any invoice (the account's credit).
    `balance` (open − credit) is the ledger balance on that day."""

    as_of: date
    amounts: dict[str, Decimal]
    unallocated: Decimal

    @property
    def buckets(self) -> list[tuple[str, str, Decimal]]:
        return [(key, str(label), self.amounts[key]) for key, label in AGING_BUCKETS]

    @property
    def total_open(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total_open - self.amounts["current"]

    @property
    def balance(self) -> Decimal:
        return self.total_open - self.unallocated


def _bucket_condition(as_of: date, key: str) -> Q:
    low, high = _BUCKET_DAYS[key]
    condition = Q()
    if low is not None:  # at least `low` days past due: due on or before as_of − low
        condition &= Q(due_date__lte=as_of - timedelta(days=low))
    if high is not None:
        condition &= Q(due_date__gte=as_of - timedelta(days=high))
    return condition


def aging_at(*, organization: Organization, account: Account, as_of: date) -> Aging:
    """The account's aging on `as_of`: two queries."""
    invoices = with_open_amounts(
        Invoice.objects.filter(
            organization=organization, account=account, status=InvoiceStatus.ISSUED, issue_date__lte=as_of
        ),
        as_of=as_of,
    )
    amounts = invoices.aggregate(
        **{key: _money_sum("outstanding", _bucket_condition(as_of, key)) for key, _label in AGING_BUCKETS}
    )
    applied = (
        Allocation.objects.filter(active_allocation(as_of), organization=organization, payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    unallocated = (
        Payment.objects.filter(organization=organization, account=account, received_on__lte=as_of)
        .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))
        .aggregate(s=_money_sum(F("amount") - Coalesce(Subquery(applied), Value(ZERO), output_field=MONEY)))["s"]
    )
    return Aging(as_of=as_of, amounts=amounts, unallocated=unallocated)


# --- The statement of an account ------------------------------------------------------------------


@dataclass(frozen=True)
class StatementEntry:
    """One ledger entry of the period, with the account's balance after it."""

    entry_date: date
    kind: str
    document: str  # the invoice's or credit note's number, the payment's bank reference
    debit: Decimal
    credit: Decimal
    balance: Decimal
    due_date: date | None = None  # an invoice's
    invoice_number: str = ""  # the invoice a credit note corrects
    method: str = ""  # a payment's
    note: str = ""  # a credit note's reason, a reversal's
    invoice_id: int | None = None
    credit_note_id: int | None = None
    payment_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(LedgerKind(self.kind).label)

    @property
    def description(self) -> str:
        """What the entry is, in a sentence of the reader's language."""
        if self.kind == LedgerKind.INVOICE:
            return _("Due %(date)s") % {"date": formats.date_format(self.due_date, "SHORT_DATE_FORMAT")}
        if self.kind == LedgerKind.CREDIT_NOTE:
            text = _("Corrects invoice %(number)s") % {"number": self.invoice_number}
            return f"{text} · {self.note}" if self.note else text
        method = str(PaymentMethod(self.method).label) if self.method else ""
        if self.kind == LedgerKind.PAYMENT_REVERSAL:
            return _("Returned: %(reason)s") % {"reason": self.note} if self.note else _("Returned")
        return method


_ENTRY_COLUMNS = ["entry_date", "kind", "debit", "credit", "invoice_id", "credit_note_id", "payment_id"]
_ENTRY_DOCUMENTS = {
    "invoice_number": F("invoice__number"),
    "due_date": F("invoice__due_date"),
    "credit_note_number": F("credit_note__number"),
    "corrected_number": F("credit_note__invoice__number"),
    "reason": F("credit_note__reason"),
    "reference": F("payment__reference"),
    "method": F("payment__method"),
    "reversal_reason": F("payment__reversal_reason"),
}


def _entry(row: dict) -> StatementEntry:
    kind = row["kind"]
    if kind == LedgerKind.INVOICE:
        extra = {"document": row["invoice_number"], "due_date": row["due_date"]}
    elif kind == LedgerKind.CREDIT_NOTE:
        extra = {
            "document": row["credit_note_number"],
            "invoice_number": row["corrected_number"],
            "note": row["reason"],
        }
    else:
        extra = {"document": row["reference"], "method": row["method"]}
        if kind == LedgerKind.PAYMENT_REVERSAL:
            extra["note"] = row["reversal_reason"]
    return StatementEntry(
        entry_date=row["entry_date"],
        kind=kind,
        debit=row["debit"],
        credit=row["credit"],
        balance=row["balance"],
        invoice_id=row["invoice_id"],
        credit_note_id=row["credit_note_id"],
        payment_id=row["payment_id"],
        **extra,
    )


@dataclass
class AccountStatement:
    organization: Organization
    account: Account
    start: date
    end: date
    opening: Decimal
    debits: Decimal
    credits: Decimal
    entry_count: int
    aging: Aging
    _entries: QuerySet = field(repr=False)

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits

    def entries(self, offset: int = 0, limit: int | None = None) -> list[StatementEntry]:
        """The entries from `offset` (a page: `limit` of them), each with its running balance
        (the window runs over the whole period before the slice is cut). One query."""
        rows = self._entries[offset : offset + limit] if limit is not None else self._entries[offset:]
        return [_entry(row) for row in rows]

    def iter_entries(self, chunk_size: int = 2000) -> Iterator[StatementEntry]:
        """Every entry, read in chunks through a server-side cursor: memory stays flat whatever
        the number of entries (a streamed CSV). Iterate inside the tenant scope."""
        for row in self._entries.iterator(chunk_size=chunk_size):
            yield _entry(row)

    def balance_before(self, offset: int) -> Decimal:
        """The balance brought forward to the entry at `offset` (a page's first line)."""
        if offset <= 0:
            return self.opening
        row = self._entries[offset - 1 : offset]
        return next(iter(row))["balance"]


def statement_for_account(*, organization: Organization, account: Account, start: date, end: date) -> AccountStatement:
    """The account's statement for [start, end], both days included: three queries now (the
    totals, the aging's two) and one for each read of its entries."""
    totals = LedgerEntry.objects.filter(organization=organization, account=account, entry_date__lte=end).aggregate(
        opening=_money_sum(F("debit") - F("credit"), Q(entry_date__lt=start)),
        debits=_money_sum("debit", Q(entry_date__gte=start)),
        credits=_money_sum("credit", Q(entry_date__gte=start)),
        entry_count=Count("id", filter=Q(entry_date__gte=start)),
    )
    running = Window(Sum(F("debit") - F("credit"), output_field=BALANCE), order_by=[F("entry_date"), F("id")])
    entries = (
        LedgerEntry.objects.filter(
            organization=organization, account=account, entry_date__gte=start, entry_date__lte=end
        )
        .order_by("entry_date", "id")
        .values(
            *_ENTRY_COLUMNS,
            **_ENTRY_DOCUMENTS,
            balance=ExpressionWrapper(Value(totals["opening"], output_field=BALANCE) + running, output_field=BALANCE),
        )
    )
    return AccountStatement(
        organization=organization,
        account=account,
        start=start,
        end=end,
        opening=totals["opening"],
        debits=totals["debits"],
        credits=totals["credits"],
        entry_count=totals["entry_count"],
        aging=aging_at(organization=organization, account=account, as_of=end),
        _entries=entries,
    )


def ledger_balance(*, organization: Organization, account: Account, as_of: date) -> Decimal:
    """What the account owes at the end of `as_of` by its ledger: debit − credit of every entry
    dated by then. One query."""
    return LedgerEntry.objects.filter(organization=organization, account=account, entry_date__lte=as_of).aggregate(
        s=_money_sum(F("debit") - F("credit"))
    )["s"]


# --- The product statement ------------------------------------------------------------------------


class ProductLineKind:
    INVOICED = "invoiced"
    CREDITED = "credited"
    PAID = "paid"
    UNPAID = "unpaid"  # an allocation that ended: its payment reversed, or released by a credit note

    ORDER = {INVOICED: 0, CREDITED: 1, PAID: 2, UNPAID: 3}
    LABELS = {
        INVOICED: gettext_lazy("Invoiced"),
        CREDITED: gettext_lazy("Credited"),
        PAID: gettext_lazy("Payment, attributed pro rata"),
        UNPAID: gettext_lazy("Payment undone, attributed pro rata"),
    }


@dataclass(frozen=True)
class ProductStatementLine:
    entry_date: date
    kind: str
    document: str  # the invoice's or credit note's number; for a payment, the invoice it paid
    description: str  # the line's; for a payment, its bank reference
    debit: Decimal
    credit: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    net: Decimal | None = None
    tax: Decimal | None = None
    tax_percent: Decimal | None = None
    invoice_number: str = ""  # the invoice a credit note corrects
    applied: Decimal | None = None  # a payment's amount applied to the whole invoice
    share: Decimal | None = None  # the product's share of the invoice (0–1), for a payment
    ended_by: str = ""  # why an allocation ended (AllocationEnd)

    @property
    def kind_label(self) -> str:
        return str(ProductLineKind.LABELS[self.kind])

    @property
    def is_attributed(self) -> bool:
        return self.kind in (ProductLineKind.PAID, ProductLineKind.UNPAID)

    @property
    def quantity_places(self) -> int:
        """The decimals the quantity needs (3 hours, 1.5 hours, 0.125 kg)."""
        if self.quantity is None:
            return 0
        return max(0, -self.quantity.normalize().as_tuple().exponent)

    @property
    def share_percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.01"))

    @property
    def note(self) -> str:
        if self.kind == ProductLineKind.CREDITED:
            return _("Corrects invoice %(number)s") % {"number": self.invoice_number}
        if self.kind == ProductLineKind.UNPAID:
            if self.ended_by == AllocationEnd.PAYMENT_REVERSED:
                return _("The payment was reversed")
            return _("Released by a credit note")
        return ""


@dataclass
class ProductStatement:
    organization: Organization
    account: Account
    start: date
    end: date
    product: Product | None
    category: Category | None
    lines: list[ProductStatementLine]

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def subject(self) -> str:
        if self.product is not None:
            return f"{self.product.sku} · {self.product.name}"
        return _("Category: %(name)s") % {"name": self.category.name}

    def _sum(self, kind: str, name: str) -> Decimal:
        return sum((getattr(line, name) for line in self.lines if line.kind == kind), Decimal(0))

    @property
    def quantity_invoiced(self) -> Decimal:
        return self._sum(ProductLineKind.INVOICED, "quantity")

    @property
    def quantity_credited(self) -> Decimal:
        return self._sum(ProductLineKind.CREDITED, "quantity")

    @property
    def net_invoiced(self) -> Decimal:
        return self._sum(ProductLineKind.INVOICED, "net")

    @property
    def net_credited(self) -> Decimal:
        return self._sum(ProductLineKind.CREDITED, "net")

    @property
    def invoiced(self) -> Decimal:
        return self._sum(ProductLineKind.INVOICED, "debit")

    @property
    def credited(self) -> Decimal:
        return self._sum(ProductLineKind.CREDITED, "credit")

    @property
    def paid(self) -> Decimal:
        """Payments attributed to the product in the period, less those undone in it."""
        return self._sum(ProductLineKind.PAID, "credit") - self._sum(ProductLineKind.UNPAID, "debit")

    @property
    def debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def net_change(self) -> Decimal:
        """What the period's operations of the product add to what the account owes."""
        return self.debits - self.credits


def _gross(net: Decimal, percent: Decimal) -> Decimal:
    """A line's amount with its tax at its own rate: its weight in the invoice's total."""
    return net + tax_on(net, percent)


def product_statement(
    *,
    organization: Organization,
    account: Account,
    start: date,
    end: date,
    product: Product | None = None,
    category: Category | None = None,
) -> ProductStatement:
    """The operations of `product` (or of every product of `category`) on the account in
    [start, end]: five queries, whatever their number. See the module's notes for pro rata."""
    if (product is None) == (category is None):
        raise ValueError("A product statement is for a product or a category.")
    in_scope = Q(product=product) if product is not None else Q(product__category=category)
    invoice_lines = (
        InvoiceLine.objects.filter(
            in_scope,
            organization=organization,
            invoice__account=account,
            invoice__status=InvoiceStatus.ISSUED,
            invoice__issue_date__range=(start, end),
        )
        .order_by("invoice__issue_date", "invoice_id", "position")
        .values(
            "quantity",
            "unit_price",
            "discount_percent",
            "net",
            "tax_percent",
            "description",
            number=F("invoice__number"),
            day=F("invoice__issue_date"),
        )
    )
    credit_lines = (
        CreditNoteLine.objects.filter(
            organization=organization,
            credit_note__account=account,
            credit_note__issue_date__range=(start, end),
            invoice_line__in=InvoiceLine.objects.filter(in_scope, organization=organization, invoice__account=account),
        )
        .order_by("credit_note__issue_date", "credit_note_id", "id")
        .values(
            "quantity",
            "net",
            "tax_percent",
            number=F("credit_note__number"),
            day=F("credit_note__issue_date"),
            corrected=F("credit_note__invoice__number"),
            description=F("invoice_line__description"),
            unit_price=F("invoice_line__unit_price"),
            discount_percent=F("invoice_line__discount_percent"),
        )
    )
    carries_it = InvoiceLine.objects.filter(in_scope, organization=organization, invoice=OuterRef("invoice"))
    allocations = (
        Allocation.objects.filter(organization=organization, invoice__account=account)
        .filter(Q(allocated_on__range=(start, end)) | Q(reversed_on__range=(start, end)))
        .filter(Exists(carries_it))
        .order_by("allocated_on", "id")
        .values(
            "invoice_id",
            "amount",
            "allocated_on",
            "reversed_on",
            "reversal",
            number=F("invoice__number"),
            reference=F("payment__reference"),
        )
    )
    allocations = list(allocations)
    # What is left of each invoice a payment of the period applied to, and of the product on it.
    paid_invoices = Allocation.objects.filter(organization=organization, invoice__account=account).filter(
        Q(allocated_on__range=(start, end)) | Q(reversed_on__range=(start, end))
    )
    lines_of_paid = InvoiceLine.objects.filter(
        organization=organization, invoice__in=paid_invoices.values("invoice_id")
    ).values_list("pk", "invoice_id", "net", "tax_percent", ExpressionWrapper(in_scope, output_field=BooleanField()))
    left: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])  # invoice: [product's, all]
    line_invoice: dict[int, tuple[int, bool]] = {}
    for pk, invoice_id, net, percent, is_in_scope in lines_of_paid:
        gross = _gross(net, percent)
        left[invoice_id][1] += gross
        if is_in_scope:
            left[invoice_id][0] += gross
        line_invoice[pk] = (invoice_id, is_in_scope)
    credited_of_paid = CreditNoteLine.objects.filter(
        organization=organization,
        invoice_line__invoice__in=paid_invoices.values("invoice_id"),
        credit_note__issue_date__lte=end,
    ).values_list("invoice_line_id", "net", "tax_percent")
    for line_id, net, percent in credited_of_paid:
        invoice_id, is_in_scope = line_invoice[line_id]
        gross = _gross(net, percent)
        left[invoice_id][1] -= gross
        if is_in_scope:
            left[invoice_id][0] -= gross

    lines: list[ProductStatementLine] = []
    for row in invoice_lines:
        tax = tax_on(row["net"], row["tax_percent"])
        lines.append(
            ProductStatementLine(
                entry_date=row["day"],
                kind=ProductLineKind.INVOICED,
                document=row["number"],
                description=row["description"],
                quantity=row["quantity"],
                unit_price=row["unit_price"],
                discount_percent=row["discount_percent"],
                net=row["net"],
                tax=tax,
                tax_percent=row["tax_percent"],
                debit=row["net"] + tax,
                credit=ZERO,
            )
        )
    for row in credit_lines:
        tax = tax_on(row["net"], row["tax_percent"])
        lines.append(
            ProductStatementLine(
                entry_date=row["day"],
                kind=ProductLineKind.CREDITED,
                document=row["number"],
                description=row["description"],
                quantity=row["quantity"],
                unit_price=row["unit_price"],
                discount_percent=row["discount_percent"],
                net=row["net"],
                tax=tax,
                tax_percent=row["tax_percent"],
                invoice_number=row["corrected"],
                debit=ZERO,
                credit=row["net"] + tax,
            )
        )
    for row in allocations:
        part, whole = left[row["invoice_id"]]
        share = (part / whole) if whole else ZERO
        attributed = pro_rata(row["amount"], part, whole)
        common = {
            "document": row["number"],
            "description": row["reference"],
            "applied": row["amount"],
            "share": share,
        }
        if start <= row["allocated_on"] <= end:
            lines.append(
                ProductStatementLine(
                    entry_date=row["allocated_on"], kind=ProductLineKind.PAID, debit=ZERO, credit=attributed, **common
                )
            )
        if row["reversed_on"] is not None and start <= row["reversed_on"] <= end:
            lines.append(
                ProductStatementLine(
                    entry_date=row["reversed_on"],
                    kind=ProductLineKind.UNPAID,
                    debit=attributed,
                    credit=ZERO,
                    ended_by=row["reversal"],
                    **common,
                )
            )
    lines.sort(key=lambda line: (line.entry_date, ProductLineKind.ORDER[line.kind]))
    return ProductStatement(
        organization=organization,
        account=account,
        start=start,
        end=end,
        product=product,
        category=category,
        lines=lines,
    )


# --- Who the statement is for ---------------------------------------------------------------------


@dataclass(frozen=True)
class StatementReader:
    """The account's finance contact: the account team's member with the finance contact role,
    else the client's contact whose buying role is finance, else nobody (the statement is then
    in the organisation's language and cannot be mailed)."""

    name: str
    email: str
    language: str
    source: str  # "account_team", "client_contact" or "organisation"

    @property
    def can_receive(self) -> bool:
        return bool(self.email)

    @property
    def language_name(self) -> str:
        return str(dict(settings.LANGUAGES)[self.language])


def _our_language(language: str | None, organization: Organization) -> str:
    """A language the application speaks: the person's when it is one, else the organisation's."""
    spoken = {code for code, _name in settings.LANGUAGES}
    return language if language in spoken else organization.default_language


def statement_reader(*, organization: Organization, account: Account) -> StatementReader:
    """Two queries at most."""
    member = one_or_none(
        AccountTeamMember.objects.filter(
            organization=organization,
            account=account,
            role=AccountRole.FINANCE_CONTACT,
            membership__is_active=True,
        )
        .order_by("created_at", "id")
        .values("membership__user__full_name", "membership__user__email", "membership__user__language")
    )
    if member is not None:
        return StatementReader(
            name=member["membership__user__full_name"],
            email=member["membership__user__email"],
            language=_our_language(member["membership__user__language"], organization),
            source="account_team",
        )
    contact = one_or_none(
        Contact.objects.filter(organization=organization, client_id=account.client_id, buying_role=BuyingRole.FINANCE)
        .order_by("-is_primary", "id")
        .values("full_name", "email", "language")
    )
    if contact is not None:
        return StatementReader(
            name=contact["full_name"],
            email=contact["email"],
            language=_our_language(contact["language"], organization),
            source="client_contact",
        )
    return StatementReader(name="", email="", language=organization.default_language, source="organisation")


# --- The accounts whose statements a person may pull ----------------------------------------------


def statement_account_list(*, organization: Organization, membership: Membership) -> QuerySet[Account]:
    """The accounts `membership` sees, with their balance now (`balance`, from the ledger) and
    the day of their last ledger entry (`last_entry_on`): one query."""
    from accounts.selectors import visible_accounts

    entries = LedgerEntry.objects.filter(organization=organization, account=OuterRef("pk")).order_by().values("account")
    return (
        visible_accounts(organization=organization, membership=membership)
        .select_related("client", "sales_team")
        .annotate(
            balance=Coalesce(
                Subquery(entries.annotate(s=Sum(F("debit") - F("credit"), output_field=BALANCE)).values("s")),
                Value(ZERO),
                output_field=BALANCE,
            ),
            last_entry_on=Subquery(entries.annotate(d=Max("entry_date")).values("d")),
        )
        .order_by("name", "id")
    )
