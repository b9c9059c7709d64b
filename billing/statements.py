"""Statements of account as the pages, files and mails present them, on billing.selectors'
`statement` and `product_statement` (the ledger's figures, the aging, the pro rata attribution:
computed there, once).

What this module adds:

- `statement_for_account`: the core statement with its entries as rows a reader understands
  (what each document is, in a sentence of their language), read a page at a time or streamed,
  their number (for the pages), and the aging at the end date with the payments received by then
  and not applied to any invoice (the account's credit), so that what is open less that credit
  is the closing balance.
- `product_statement_for`: the product statement as one table in date order: the product's
  invoice and credit note lines (quantities and net amounts; a credit negative) and the payments
  applied to those invoices, attributed pro rata (selectors.ATTRIBUTION_NOTE), each labelled so.
- `statement_reader`: the account's finance contact, who the statement is for (the mailing's
  recipient, the PDF's language).
- `statement_account_list`: the accounts whose statements a person may pull, with their balance.

A fixed number of queries whatever the number of entries: the running balance is the core's
window function; the entries are read lazily, so a CSV of 10,000 lines streams them through a
server-side cursor, and a page reads only its slice. Callers pass an account they got through
accounts.selectors.account_get, which asked whether the reader may see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account, AccountRole, AccountTeamMember
from billing import selectors
from billing.models import Allocation, LedgerEntry, LedgerKind, Payment, PaymentMethod
from billing.selectors import BUCKET_LABELS, BUCKETS, active_allocation
from billing.totals import ZERO
from catalog.models import Category, Product
from clients.models import BuyingRole, Contact
from tenancy.models import Membership, Organization
from tenancy.selectors import one_or_none

MONEY = DecimalField(max_digits=14, decimal_places=2)
# An account's balance adds up to as many entries as it has: wider than one amount.
BALANCE = DecimalField(max_digits=20, decimal_places=2)


# --- The period ------------------------------------------------------------------------------------


def year_to_date(today: date) -> tuple[date, date]:
    """The default period: from the first of January to today."""
    return today.replace(month=1, day=1), today


def previous_month(today: date) -> tuple[date, date]:
    """The whole month before `today`'s: what the monthly mailing sends."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


# --- The aging at the end date ----------------------------------------------------------------------


@dataclass(frozen=True)
class StatementAging:
    """What is open on the account's invoices at `as_of` by days past due (the core's aging), and
    the payments received by then that are not applied to any invoice (the account's credit):
    `balance`, open − credit, is the ledger's balance that day."""

    as_of: date
    open: selectors.Aging
    unallocated: Decimal

    @property
    def buckets(self) -> list[tuple[str, str, Decimal]]:
        return [(key, str(BUCKET_LABELS[key]), getattr(self.open, key)) for key in BUCKETS]

    @property
    def total_open(self) -> Decimal:
        return self.open.total

    @property
    def overdue(self) -> Decimal:
        return self.open.overdue

    @property
    def balance(self) -> Decimal:
        return self.open.total - self.unallocated


def unallocated_at(*, organization: Organization, account: Account, as_of: date) -> Decimal:
    """The account's payments received by `as_of`, not reversed by then, less what of them was
    applied to invoices by then (selectors.active_allocation). One query."""
    applied = (
        Allocation.objects.filter(active_allocation(as_of), organization=organization, payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    left = F("amount") - Coalesce(Subquery(applied), Value(ZERO), output_field=MONEY)
    return (
        Payment.objects.filter(
            organization=organization, account=account, currency=account.currency, received_on__lte=as_of
        )
        .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))
        .aggregate(s=Coalesce(Sum(left, output_field=BALANCE), Value(ZERO), output_field=BALANCE))["s"]
    )


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
        if self.kind == LedgerKind.PAYMENT_REVERSAL:
            return _("Returned: %(reason)s") % {"reason": self.note} if self.note else _("Returned")
        return str(PaymentMethod(self.method).label) if self.method else ""


_ENTRY_COLUMNS = [
    "entry_date",
    "kind",
    "debit",
    "credit",
    "balance",
    "invoice_id",
    "credit_note_id",
    "payment_id",
    "document_number",
    "due_date",
    "payment_reference",
    "payment_method",
]
_ENTRY_DOCUMENTS = {
    "corrected_number": F("credit_note__invoice__number"),
    "reason": F("credit_note__reason"),
    "reversal_reason": F("payment__reversal_reason"),
}


def _entry(row: dict) -> StatementEntry:
    kind = row["kind"]
    is_payment = kind in (LedgerKind.PAYMENT, LedgerKind.PAYMENT_REVERSAL)
    note = {LedgerKind.CREDIT_NOTE: row["reason"], LedgerKind.PAYMENT_REVERSAL: row["reversal_reason"]}
    return StatementEntry(
        entry_date=row["entry_date"],
        kind=kind,
        document=(row["payment_reference"] if is_payment else row["document_number"]) or "",
        debit=row["debit"],
        credit=row["credit"],
        balance=row["balance"],
        due_date=row["due_date"],
        invoice_number=row["corrected_number"] or "",
        method=row["payment_method"] or "",
        note=note.get(kind) or "",
        invoice_id=row["invoice_id"],
        credit_note_id=row["credit_note_id"],
        payment_id=row["payment_id"],
    )


@dataclass(frozen=True)
class AccountStatement:
    organization: Organization
    core: selectors.Statement
    entry_count: int
    aging: StatementAging

    @property
    def account(self) -> Account:
        return self.core.account

    @property
    def currency(self) -> str:
        return self.core.currency

    @property
    def start(self) -> date:
        return self.core.start

    @property
    def end(self) -> date:
        return self.core.end

    @property
    def opening(self) -> Decimal:
        return self.core.opening

    @property
    def debits(self) -> Decimal:
        return self.core.debits

    @property
    def credits(self) -> Decimal:
        return self.core.credits

    @property
    def closing(self) -> Decimal:
        return self.core.closing

    @property
    def _rows(self) -> QuerySet:
        return self.core.entries.values(*_ENTRY_COLUMNS, **_ENTRY_DOCUMENTS)

    def entries(self, offset: int = 0, limit: int | None = None) -> list[StatementEntry]:
        """The entries from `offset` (a page: `limit` of them), each with its running balance
        (the window runs over the whole period before the slice is cut). One query."""
        rows = self._rows[offset : offset + limit] if limit is not None else self._rows[offset:]
        return [_entry(row) for row in rows]

    def iter_entries(self, chunk_size: int = 2000) -> Iterator[StatementEntry]:
        """Every entry, read in chunks through a server-side cursor: memory stays flat whatever
        the number of entries (a streamed CSV). Iterate inside the tenant scope."""
        for row in self._rows.iterator(chunk_size=chunk_size):
            yield _entry(row)

    def balance_before(self, offset: int) -> Decimal:
        """The balance brought forward to the entry at `offset` (a page's first line). One
        query (none for the first)."""
        if offset <= 0:
            return self.opening
        return next(iter(self._rows[offset - 1 : offset]))["balance"]


def statement_for_account(*, organization: Organization, account: Account, start: date, end: date) -> AccountStatement:
    """The account's statement for [start, end], both days included, in its currency: four
    queries now (the core's two, the entries' number, the credit not applied) and one for each
    read of its entries."""
    core = selectors.statement(organization=organization, account=account, start=start, end=end)
    return AccountStatement(
        organization=organization,
        core=core,
        entry_count=core.entries.count(),
        aging=StatementAging(
            as_of=end,
            open=core.aging,
            unallocated=unallocated_at(organization=organization, account=account, as_of=end),
        ),
    )


def ledger_balance(*, organization: Organization, account: Account, as_of: date) -> Decimal:
    """What the account owes at the end of `as_of` by its ledger, in its currency (zero when it
    has no entries)."""
    balances = selectors.account_balance(organization=organization, account=account, as_of=as_of)
    return balances.get(account.currency, ZERO)


# --- The product statement ------------------------------------------------------------------------


def places_of(quantity: Decimal | None) -> int:
    """The decimals a quantity needs to be read as it is: 3 hours, 1.5 hours, 0.125 kg."""
    if quantity is None:
        return 0
    return max(0, -quantity.normalize().as_tuple().exponent)


PRODUCT_ROW_LABELS = {
    "invoice": gettext_lazy("Invoiced"),
    "credit_note": gettext_lazy("Credited"),
    "allocation": gettext_lazy("Payment, attributed pro rata"),
    "ended": gettext_lazy("Payment undone, attributed pro rata"),
}
_ROW_ORDER = {"invoice": 0, "credit_note": 1, "allocation": 2, "ended": 3}


@dataclass(frozen=True)
class ProductRow:
    """A row of the product statement: one of the product's invoice or credit note lines
    (`quantity` and `net`; a credit negative), or a payment applied to an invoice that carries it
    (`applied`, the allocation's amount, its `share` of the invoice and the part `attributed` to
    the product; an allocation that ended negative)."""

    entry_date: date
    kind: str  # invoice, credit_note, allocation or ended
    document: str  # the invoice's or credit note's number; the payment's reference
    invoice_number: str  # the invoice a credit note corrects, a payment was applied to
    description: str = ""
    sku: str = ""
    quantity: Decimal | None = None
    net: Decimal | None = None
    applied: Decimal | None = None
    share: Decimal | None = None
    attributed: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return str(PRODUCT_ROW_LABELS[self.kind])

    @property
    def is_attributed(self) -> bool:
        return self.kind in ("allocation", "ended")

    @property
    def share_percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.01"))

    @property
    def quantity_places(self) -> int:
        return places_of(self.quantity)


@dataclass(frozen=True)
class ProductStatementReport:
    organization: Organization
    core: selectors.ProductStatement

    @property
    def account(self) -> Account:
        return self.core.account

    @property
    def currency(self) -> str:
        return self.core.currency

    @property
    def start(self) -> date:
        return self.core.start

    @property
    def end(self) -> date:
        return self.core.end

    @property
    def product(self) -> Product | None:
        return self.core.product

    @property
    def category(self) -> Category | None:
        return self.core.category

    @property
    def subject(self) -> str:
        if self.product is not None:
            return f"{self.product.sku} · {self.product.name}"
        return _("Category: %(name)s") % {"name": self.category.name}

    @property
    def attribution_note(self) -> str:
        return self.core.attribution_note

    @property
    def rows(self) -> list[ProductRow]:
        """The lines and the attributed payments in one table, in date order."""
        rows = [
            ProductRow(
                entry_date=line.date,
                kind=line.kind,
                document=line.number,
                invoice_number=line.invoice_number if line.kind == "credit_note" else "",
                description=line.description,
                sku=line.sku,
                quantity=line.quantity,
                net=line.net,
            )
            for line in self.core.lines
        ]
        rows += [
            ProductRow(
                entry_date=p.date,
                kind=p.kind,
                document=p.payment_reference,
                invoice_number=p.invoice_number,
                applied=p.amount,
                share=p.share,
                attributed=p.attributed,
            )
            for p in self.core.payments
        ]
        return sorted(rows, key=lambda row: (row.entry_date, _ROW_ORDER[row.kind]))

    @property
    def quantity_invoiced(self) -> Decimal:
        return self.core.quantity_invoiced

    @property
    def quantity_credited(self) -> Decimal:
        return self.core.quantity_credited

    @property
    def net_invoiced(self) -> Decimal:
        return self.core.net_invoiced

    @property
    def net_credited(self) -> Decimal:
        return self.core.net_credited

    @property
    def attributed_paid(self) -> Decimal:
        return self.core.attributed_paid

    @property
    def quantity_total(self) -> Decimal:
        """The quantity column's total: invoiced less credited."""
        return self.quantity_invoiced - self.quantity_credited

    @property
    def quantity_total_places(self) -> int:
        return places_of(self.quantity_total)

    @property
    def net_total(self) -> Decimal:
        return self.net_invoiced - self.net_credited


def product_statement_for(
    *,
    organization: Organization,
    account: Account,
    start: date,
    end: date,
    product: Product | None = None,
    category: Category | None = None,
) -> ProductStatementReport:
    """The core's product statement (three queries) for presenting."""
    core = selectors.product_statement(
        organization=organization, account=account, start=start, end=end, product=product, category=category
    )
    return ProductStatementReport(organization=organization, core=core)


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

    entries = (
        LedgerEntry.objects.filter(organization=organization, account=OuterRef("pk"), currency=OuterRef("currency"))
        .order_by()
        .values("account")
    )
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
