"""Writes for billing: invoices (drafts, their lines, issuing), credit notes, payments (recording,
allocating, reversing) and the billing settings.

Each function is keyword-only and typed, `<entity>_<action>(*, organization, actor, …)`, takes
model instances and values (Decimal, date), and is atomic: a refusal writes nothing. Who may
(billing.permissions: finance), then the model's `full_clean()` (every rule one row can state),
then the rules between rows and the state of a document, which live here. Every change is in
the audit trail, from → to. Money is computed in billing/totals.py and nowhere else.

Refusals: a rule of a row is full_clean()'s ValidationError, keyed by field; a rule of the
service is an ApplicationError with the fields it is about. Several inputs (an invoice's lines,
a payment's allocations) are keyed `lines.<i>.<field>` / `allocations.<i>.<field>`, `<i>`
counting from 0 in the order given. Someone who may not see the account is answered as if the
document did not exist (404); someone who sees it but does not keep the books, 403.

Decisions worth knowing:

- Gapless numbers: the series row is incremented inside the issuing transaction (one upsert
  that locks it), so concurrent issues queue, and an issue that is refused or rolled back gives
  its number back.
- Outstanding: an invoice's total, less its credit notes, less the payments allocated to it
  that are active. Allocations never exceed either side: the payment is locked first, then the
  invoices in id order, and the amounts are read again under the locks.
- A credited paid invoice: when a credit note leaves less of an invoice than is paid of it, the
  credit note releases the excess of the allocations, newest first (an allocation is ended and,
  when only part of it is released, a new one keeps the rest). The released money returns to
  its payment, unallocated: the account's credit, allocatable to another invoice. So an
  invoice's outstanding amount is never negative, and allocations never exceed the invoice.
- Dates: an allocation applies from the later of its payment's and its invoice's dates
  (`allocated_on`); an allocation ended by a reversal or a credit note stops counting from the
  later of that document's date and its own. Balances and aging as of any date then add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max, Sum, Value
from django.db.models.fields import DateField
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from billing import permissions
from billing.models import (
    Allocation,
    AllocationEnd,
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LedgerKind,
    NumberSeries,
    Payment,
    PaymentMethod,
    SeriesKind,
)
from billing.selectors import invoice_open_amounts, payment_unallocated
from billing.totals import (
    ZERO,
    CreditAmounts,
    InvoicedLine,
    LineAmount,
    Totals,
    cents,
    credit_amounts,
    document_totals,
    to_base,
)
from catalog.models import Product, TaxRate
from catalog.selectors import product_for_new_line
from config.errors import ApplicationError, not_found
from tenancy.models import Membership, Organization
from tenancy.services import audit_changes, audit_record, audit_snapshot, save_deciding_by_constraint, series_next
from tenancy.text import money_text

INVOICE_FIELDS = [
    "account",
    "currency",
    "status",
    "number",
    "issue_date",
    "due_date",
    "notes",
    "rate_to_base",
    "net_total",
    "tax_total",
    "total",
]
LINE_FIELDS = ["position", "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net"]
CREDIT_NOTE_FIELDS = ["number", "invoice", "issue_date", "reason", "net_total", "tax_total", "total"]
PAYMENT_FIELDS = ["account", "currency", "amount", "received_on", "method", "reference", "rate_to_base"]
SETTINGS_FIELDS = ["statements_monthly", "statement_day", "invoice_notes"]
# The largest amount a MoneyField holds (14 digits, 2 decimals).
MONEY_LIMIT = Decimal("1e12")


# --- Refusals ------------------------------------------------------------------------------------


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError(message, code="permission_denied", status=403)


def _require(allowed: bool, actor: Membership, account: Account, message: str) -> None:
    """Finance only. Who cannot even see the account is told that there is nothing there."""
    if allowed:
        return
    if account.organization_id != actor.organization_id or not permissions.can_see_billing_of(actor, account):
        raise not_found()
    raise _forbidden(message)


def _issued_refusal() -> ApplicationError:
    return ApplicationError(
        _("An issued invoice cannot be changed: correct it with a credit note."), code="invoice_issued", status=409
    )


def _keyed(error: ValidationError, prefix: str) -> ValidationError:
    """A row's refusal as one of several inputs: its fields as `<prefix>.<field>`."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            (name if name == NON_FIELD_ERRORS else f"{prefix}.{name}"): errors
            for name, errors in error.error_dict.items()
        }
    )


def _clean(row, prefix: str | None = None, **kwargs) -> None:
    try:
        row.full_clean(**kwargs)
    except ValidationError as error:
        raise (_keyed(error, prefix) if prefix else error) from None


def _today() -> date:
    return timezone.localdate()


# --- Numbering and the ledger ---------------------------------------------------------------------


def _next_number(organization: Organization, kind: str, year: int) -> str:
    """The next number of a gapless series, inside the caller's transaction
    (tenancy.services.series_next)."""
    return NumberSeries.format(kind, year, series_next(NumberSeries, organization=organization, kind=kind, year=year))


def _post(
    *,
    organization: Organization,
    account_id: int,
    kind: str,
    entry_date: date,
    currency: str,
    rate: Decimal,
    debit: Decimal = ZERO,
    credit: Decimal = ZERO,
    invoice: Invoice | None = None,
    credit_note: CreditNote | None = None,
    payment: Payment | None = None,
) -> LedgerEntry:
    """Write a document's ledger entry (once per document and kind: a unique constraint says so)."""
    entry = LedgerEntry(
        organization=organization,
        account_id=account_id,
        kind=kind,
        entry_date=entry_date,
        currency=currency,
        rate=rate,
        debit=debit,
        credit=credit,
        base_debit=to_base(debit, rate),
        base_credit=to_base(credit, rate),
        invoice=invoice,
        credit_note=credit_note,
        payment=payment,
    )
    save_deciding_by_constraint(entry)
    return entry


def _require_rate(organization: Organization, currency: str, rate_to_base: Decimal | None) -> None:
    """A document in a currency other than the base currency says its rate (the base
    currency's is 1 without saying)."""
    if rate_to_base is None and currency != organization.base_currency:
        raise ApplicationError(
            _("Give the rate from %(currency)s to %(base)s, the organisation's base currency.")
            % {"currency": currency, "base": organization.base_currency},
            {"rate_to_base": _("This field is required.")},
        )


def _audit_new(organization: Organization, actor: Membership, obj, fields: list[str], **extra) -> None:
    """`obj` created: each of `fields` from None to its value, and `extra` values likewise."""
    changes = {name: [None, value] for name, value in audit_snapshot(obj, fields).items()}
    changes |= {name: [None, value] for name, value in extra.items()}
    audit_record(
        organization=organization, actor=actor.user, action=f"{obj._meta.model_name}.create", obj=obj, changes=changes
    )


# --- Invoice lines ----------------------------------------------------------------------------------


class LineInput(TypedDict, total=False):
    """A line as given to invoice_create (and, spread, to invoice_line_add). `quantity` is
    required; `product` or `description` (a line needs one); `unit_price` and `tax_rate`
    default to the product's price in the invoice's currency and its tax rate."""

    product: Product | None
    description: str
    quantity: Decimal
    unit_price: Decimal | None
    discount_percent: Decimal
    tax_rate: TaxRate | None


def _catalogue_refusals(
    organization: Organization, invoice: Invoice, line: InvoiceLine, given: dict, new_product: bool
) -> dict:
    """What the catalogue says of a line. A product chosen now is read through
    catalog.selectors.product_for_new_line: refused when obsolete (naming what replaces it) or
    not this organisation's; else it gives what `given` leaves to it (None): its price in the
    invoice's currency (refused when it has none there) and its tax rate. A tax rate chosen now
    (or the product's) must still be in use. Read afresh: a caller's instances may predate the
    product's obsolescence or the rate's retirement."""
    errors: dict = {}
    if new_product and line.product_id is not None:
        try:
            chosen = product_for_new_line(
                organization=organization, product_id_or_instance=line.product_id, currency=invoice.currency
            )
        except ValidationError as error:
            return error.update_error_dict(errors)
        line.product = chosen.product
        if "unit_price" in given and given["unit_price"] is None:
            if chosen.unit_price is None:
                errors["unit_price"] = [
                    _("%(product)s has no price in %(currency)s: give a unit price.")
                    % {"product": chosen.product, "currency": invoice.currency}
                ]
            else:
                line.unit_price = chosen.unit_price
        if "tax_rate" in given and given["tax_rate"] is None:
            line.tax_rate = chosen.tax_rate
    if line.tax_rate_id is not None and (new_product or "tax_rate" in given):
        tax_rate = TaxRate.objects.filter(organization=organization, pk=line.tax_rate_id).first()
        if tax_rate is not None:  # another organisation's: full_clean() says so
            line.tax_rate = tax_rate
            if not tax_rate.is_active:
                errors["tax_rate"] = [_("%(rate)s is no longer in use: choose another rate.") % {"rate": tax_rate}]
    return errors


def _build_line(
    organization: Organization, invoice: Invoice, position: int, given: dict, prefix: str | None = None
) -> InvoiceLine:
    """A new line from what was given, cleaned (its net computed), not saved."""
    unknown = set(given) - set(LineInput.__annotations__)
    if unknown:
        raise TypeError(f"unexpected line fields: {', '.join(sorted(unknown))}")
    given = {"unit_price": None, "tax_rate": None} | given
    line = InvoiceLine(
        organization=organization,
        invoice=invoice,
        position=position,
        product=given.get("product"),
        description=given.get("description") or "",
        quantity=given.get("quantity"),
        unit_price=given.get("unit_price"),
        discount_percent=given.get("discount_percent", Decimal("0")),
        tax_rate=given.get("tax_rate"),
    )
    _check_line(organization, invoice, line, given, new_product=True, prefix=prefix)
    return line


def _check_line(
    organization: Organization,
    invoice: Invoice,
    line: InvoiceLine,
    given: dict,
    *,
    new_product: bool,
    prefix: str | None = None,
) -> None:
    """The catalogue's refusals and the row's own, all at once, keyed under `prefix`."""
    refusals = _catalogue_refusals(organization, invoice, line, given, new_product)
    # What the catalogue refused is said once, by the catalogue; a refused product gives the
    # line nothing, so what was left to it is not asked about either.
    unsaid = [*refusals]
    if "product" in refusals:
        unsaid += [name for name in ("unit_price", "tax_rate") if name in given and given[name] is None]
    try:
        # The invoice is this organisation's and locked; the position is the service's.
        line.full_clean(exclude=["invoice", "position", *unsaid])
    except ValidationError as error:
        refusals = error.update_error_dict(refusals)
    if refusals:
        error = ValidationError(refusals)
        raise _keyed(error, prefix) if prefix else error


def _compute_totals(organization: Organization, invoice: Invoice) -> Totals:
    """The invoice's totals from its lines (billing.totals), set on it (not saved)."""
    rows = InvoiceLine.objects.filter(organization=organization, invoice=invoice).values_list(
        "tax_rate_id", "tax_percent", "net"
    )
    totals = document_totals(LineAmount((rate, percent), percent, net) for rate, percent, net in rows)
    if totals.total >= MONEY_LIMIT:
        raise ApplicationError(
            _("The invoice's total would be too large: split it into several invoices."),
            {"lines": _("The invoice's total would be too large.")},
        )
    invoice.net_total, invoice.tax_total, invoice.total = totals.net, totals.tax, totals.total
    return totals


def _refresh_totals(organization: Organization, invoice: Invoice) -> Totals:
    """A draft's totals after its lines changed, stored."""
    totals = _compute_totals(organization, invoice)
    invoice.save(update_fields=["net_total", "tax_total", "total"])
    return totals


def _locked_invoice(organization: Organization, invoice_id: int) -> Invoice:
    """The invoice, locked for this transaction; DoesNotExist (404) if not this organisation's."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(organization=organization, pk=invoice_id)
    )


def _locked_draft(organization: Organization, actor: Membership, invoice_id: int) -> Invoice:
    invoice = _locked_invoice(organization, invoice_id)
    _require(
        permissions.can_create_invoice(actor, invoice.account),
        actor,
        invoice.account,
        _("Only finance creates and changes invoices."),
    )
    if not invoice.is_draft:
        raise _issued_refusal()
    return invoice


def _line_audit(line: InvoiceLine) -> dict:
    return audit_snapshot(line, LINE_FIELDS)


# --- Invoices --------------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    lines: Sequence[LineInput] = (),
    issue_date: date | None = None,
    due_date: date | None = None,
    notes: str | None = None,
    currency: str | None = None,
    rate_to_base: Decimal | None = None,
) -> Invoice:
    """A draft invoice for `account`, in its currency, with `lines` (positions 1, 2, … in the
    order given). `issue_date` may wait for the issue (then the day it is issued);
    `due_date`, when not given, is the issue date plus the account's payment terms. `notes`
    default to the billing settings' invoice notes. `currency` is the account's (another is
    refused); `rate_to_base` is 1 for the base currency and must be given for another."""
    _require(
        permissions.can_create_invoice(actor, account), actor, account, _("Only finance creates and changes invoices.")
    )
    from billing.selectors import billing_settings

    if notes is None:
        notes = billing_settings(organization=organization).invoice_notes
    if due_date is None and isinstance(issue_date, date):
        due_date = issue_date + timedelta(days=account.payment_terms_days)
    invoice = Invoice(
        organization=organization,
        account=account,
        currency=currency or account.currency,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        rate_to_base=Decimal("1") if rate_to_base is None else rate_to_base,
        created_by=actor,
    )
    invoice.full_clean()
    _require_rate(organization, invoice.currency, rate_to_base)
    invoice.save()
    built = [
        _build_line(organization, invoice, position, dict(given), prefix=f"lines.{index}")
        for index, (position, given) in enumerate(enumerate(lines, start=1))
    ]
    InvoiceLine.objects.bulk_create(built)
    _refresh_totals(organization, invoice)
    _audit_new(organization, actor, invoice, INVOICE_FIELDS, lines=[_line_audit(line) for line in built])
    return invoice


class InvoiceChanges(TypedDict, total=False):
    issue_date: date | None
    due_date: date | None
    notes: str
    rate_to_base: Decimal


@transaction.atomic
def invoice_update(
    *, organization: Organization, actor: Membership, invoice: Invoice, **changes: Unpack[InvoiceChanges]
) -> Invoice:
    """Change a draft's dates, notes or rate; only what is given changes. A due date that
    followed the payment terms follows a new issue date, unless a due date is given too."""
    unknown = set(changes) - set(InvoiceChanges.__annotations__)
    if unknown:
        raise TypeError(f"unexpected changes: {', '.join(sorted(unknown))}")
    invoice = _locked_draft(organization, actor, invoice.pk)
    before = audit_snapshot(invoice, INVOICE_FIELDS)
    terms = timedelta(days=invoice.account.payment_terms_days)
    follows_terms = invoice.issue_date is not None and invoice.due_date == invoice.issue_date + terms
    for name, value in changes.items():
        setattr(invoice, name, value)
    if "issue_date" in changes and "due_date" not in changes and isinstance(invoice.issue_date, date):
        if follows_terms or invoice.due_date is None:
            invoice.due_date = invoice.issue_date + terms
    invoice.full_clean()
    invoice.save()
    audit_changes(organization=organization, actor=actor.user, action="invoice.update", obj=invoice, before=before)
    return invoice


@transaction.atomic
def invoice_line_add(
    *, organization: Organization, actor: Membership, invoice: Invoice, **line: Unpack[LineInput]
) -> InvoiceLine:
    """Add a line at the end of a draft (see LineInput); the draft's totals follow."""
    invoice = _locked_draft(organization, actor, invoice.pk)
    last = InvoiceLine.objects.filter(organization=organization, invoice=invoice).aggregate(last=Max("position"))
    built = _build_line(organization, invoice, (last["last"] or 0) + 1, dict(line))
    built.save()
    _refresh_totals(organization, invoice)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invoice.line_add",
        obj=invoice,
        changes={"line": [None, _line_audit(built)]},
    )
    return built


@transaction.atomic
def invoice_line_update(
    *, organization: Organization, actor: Membership, line: InvoiceLine, **changes: Unpack[LineInput]
) -> InvoiceLine:
    """Change a line of a draft; only what is given changes. A new product brings its price,
    tax rate and name unless they are given too."""
    unknown = set(changes) - set(LineInput.__annotations__)
    if unknown:
        raise TypeError(f"unexpected changes: {', '.join(sorted(unknown))}")
    invoice_id = (
        InvoiceLine.objects.filter(organization=organization, pk=line.pk).values_list("invoice_id", flat=True).get()
    )
    invoice = _locked_draft(organization, actor, invoice_id)
    line = InvoiceLine.objects.select_related("product", "tax_rate").get(
        organization=organization, invoice=invoice, pk=line.pk
    )
    before = _line_audit(line)
    given = dict(changes)
    new_product = "product" in given and getattr(given["product"], "pk", None) != line.product_id
    if new_product and given["product"] is not None:
        # The new product's price, rate and name, unless they are given too.
        given.setdefault("unit_price", None)
        given.setdefault("tax_rate", None)
        if line.product_id is not None and line.description == line.product.name:
            given.setdefault("description", "")
    for name, value in given.items():
        setattr(line, name, (value or "") if name == "description" else value)
    _check_line(organization, invoice, line, given, new_product=new_product)
    line.save()
    _refresh_totals(organization, invoice)
    after = _line_audit(line)
    if after != before:
        audit_record(
            organization=organization,
            actor=actor.user,
            action="invoice.line_update",
            obj=invoice,
            changes={"line": [before, after]},
        )
    return line


@transaction.atomic
def invoice_line_remove(*, organization: Organization, actor: Membership, line: InvoiceLine) -> None:
    """Remove a line of a draft; the draft's totals follow."""
    invoice_id = (
        InvoiceLine.objects.filter(organization=organization, pk=line.pk).values_list("invoice_id", flat=True).get()
    )
    invoice = _locked_draft(organization, actor, invoice_id)
    line = InvoiceLine.objects.get(organization=organization, invoice=invoice, pk=line.pk)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invoice.line_remove",
        obj=invoice,
        changes={"line": [_line_audit(line), None]},
    )
    line.delete()
    _refresh_totals(organization, invoice)


@transaction.atomic
def invoice_delete(*, organization: Organization, actor: Membership, invoice: Invoice) -> None:
    """Delete a draft and its lines. An issued invoice is corrected with a credit note."""
    invoice = _locked_draft(organization, actor, invoice.pk)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invoice.delete",
        obj=invoice,
        changes={name: [value, None] for name, value in audit_snapshot(invoice, INVOICE_FIELDS).items()},
    )
    invoice.delete()


@transaction.atomic
def invoice_issue(*, organization: Organization, actor: Membership, invoice: Invoice) -> Invoice:
    """Issue a draft: date it (its issue date, or today), give it its due date (its own, or the
    issue date plus the account's payment terms), its totals from its lines, the next number of
    the organisation's series for the issue date's year, and write its ledger debit. From then
    on it cannot change. A draft with no lines or a total of zero is refused."""
    invoice = _locked_invoice(organization, invoice.pk)
    _require(permissions.can_issue_invoice(actor, invoice), actor, invoice.account, _("Only finance issues invoices."))
    if not invoice.is_draft:
        raise ApplicationError(_("This invoice has been issued already."), code="invoice_issued", status=409)
    before = audit_snapshot(invoice, INVOICE_FIELDS)
    totals = _compute_totals(organization, invoice)
    if not totals.rates:
        raise ApplicationError(
            _("An invoice needs at least one line to be issued."), {"lines": _("Add at least one line.")}
        )
    if invoice.total <= 0:
        raise ApplicationError(
            _("An invoice is issued for an amount above zero."), {"lines": _("The lines add up to zero.")}
        )
    invoice.issue_date = invoice.issue_date or _today()
    if invoice.due_date is None:
        invoice.due_date = invoice.issue_date + timedelta(days=invoice.account.payment_terms_days)
    invoice.full_clean()  # still a draft here: the account's currency, the rate, the dates
    invoice.number = _next_number(organization, SeriesKind.INVOICE, invoice.issue_date.year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_by = actor
    invoice.issued_at = timezone.now()
    save_deciding_by_constraint(invoice)
    _post(
        organization=organization,
        account_id=invoice.account_id,
        kind=LedgerKind.INVOICE,
        entry_date=invoice.issue_date,
        currency=invoice.currency,
        rate=invoice.rate_to_base,
        debit=invoice.total,
        invoice=invoice,
    )
    audit_changes(organization=organization, actor=actor.user, action="invoice.issue", obj=invoice, before=before)
    return invoice


# --- Credit notes ----------------------------------------------------------------------------------


def _credit_quantities(
    invoice_lines: dict[int, InvoiceLine],
    credited_before: dict[int, Decimal],
    lines: Sequence[tuple[InvoiceLine, Decimal]] | None,
    whole: bool,
) -> dict[int, Decimal]:
    """line id → quantity credited now, checked against what each line has left to credit."""
    if whole == bool(lines):
        raise ApplicationError(
            _("Credit the whole invoice, or choose the lines and quantities to credit."),
            {"lines": _("Choose the lines to credit.")},
        )
    left = {pk: line.quantity - credited_before.get(pk, Decimal(0)) for pk, line in invoice_lines.items()}
    if whole:
        crediting = {pk: quantity for pk, quantity in left.items() if quantity > 0}
        if not crediting:
            raise ApplicationError(_("This invoice has been credited in full already."), code="credited_in_full")
        return crediting
    crediting: dict[int, Decimal] = {}
    field = CreditNoteLine._meta.get_field("quantity")
    for index, (line, quantity) in enumerate(lines):
        if getattr(line, "pk", None) not in invoice_lines:
            raise ValidationError({f"lines.{index}.invoice_line": _("Choose a line of this invoice.")})
        if line.pk in crediting:
            raise ValidationError({f"lines.{index}.invoice_line": _("Credit each line once.")})
        try:
            quantity = field.clean(quantity, None)
        except ValidationError as error:
            raise ValidationError({f"lines.{index}.quantity": error.error_list}) from None
        if quantity > left[line.pk]:
            invoiced = invoice_lines[line.pk]
            raise ApplicationError(
                _(
                    "You cannot credit more than was invoiced: %(left)s of line %(position)s (%(line)s) is left to credit."
                )
                % {"left": left[line.pk], "position": invoiced.position, "line": invoiced.description},
                {f"lines.{index}.quantity": _("At most %(left)s.") % {"left": left[line.pk]}},
            )
        crediting[line.pk] = quantity
    return crediting


def _release_overpayment(
    organization: Organization, actor: Membership, invoice: Invoice, credit_note: CreditNote
) -> Decimal:
    """When the invoice's credit notes and active allocations add up to more than its total,
    end the newest allocations for the difference (keeping the rest of a partly released one in
    a new allocation): that money is its payment's again, the account's credit. Returns how much
    was released."""
    # In cents: SQLite (the embedded default) adds decimals as floats, with twelve places.
    credited = cents(
        CreditNote.objects.filter(organization=organization, invoice=invoice).aggregate(s=Sum("total"))["s"]
    )
    active = list(
        Allocation.objects.select_for_update()
        .filter(organization=organization, invoice=invoice, reversed_at__isnull=True)
        .order_by("-allocated_on", "-id")
    )
    excess = credited + sum((a.amount for a in active), ZERO) - invoice.total
    released = ZERO
    now = timezone.now()
    for allocation in active:
        if excess <= 0:
            break
        release = min(allocation.amount, excess)
        ends_on = max(credit_note.issue_date, allocation.allocated_on)
        allocation.reversed_at, allocation.reversed_on = now, ends_on
        allocation.reversal, allocation.credit_note = AllocationEnd.INVOICE_CREDITED, credit_note
        allocation.save(update_fields=["reversed_at", "reversed_on", "reversal", "credit_note"])
        if release < allocation.amount:
            Allocation.objects.create(
                organization=organization,
                payment_id=allocation.payment_id,
                invoice=invoice,
                amount=allocation.amount - release,
                allocated_on=ends_on,
                created_by=actor,
            )
        excess -= release
        released += release
    return released


@transaction.atomic
def credit_note_create(
    *,
    organization: Organization,
    actor: Membership,
    invoice: Invoice,
    reason: str,
    lines: Sequence[tuple[InvoiceLine, Decimal]] | None = None,
    whole: bool = False,
    issue_date: date | None = None,
) -> CreditNote:
    """Credit an issued invoice, whole (`whole=True`: everything not credited yet) or in part
    (`lines`: (invoice line, quantity) pairs, each quantity at most what is left to credit of
    that line). Issued at once, numbered in the credit notes' own series (R2026-000007), dated
    `issue_date` (today by default, not before the invoice), written to the ledger as a credit.
    Amounts: billing.totals.credit_amounts. When the invoice was paid beyond what is left of it,
    the excess becomes the account's credit (see the module's notes)."""
    invoice = _locked_invoice(organization, invoice.pk)
    _require(
        permissions.can_credit_invoice(actor, invoice), actor, invoice.account, _("Only finance credits invoices.")
    )
    if invoice.is_draft:
        raise ApplicationError(
            _("A draft is not credited: change it or delete it."), {"invoice": _("Choose an issued invoice.")}
        )
    invoice_lines = {line.pk: line for line in InvoiceLine.objects.filter(organization=organization, invoice=invoice)}
    # To the quantity's three places: SQLite (the embedded default) adds decimals as floats.
    credited_before = {
        pk: quantity.quantize(Decimal("0.001"))
        for pk, quantity in CreditNoteLine.objects.filter(organization=organization, invoice_line__invoice=invoice)
        .values("invoice_line")
        .annotate(quantity=Sum("quantity"))
        .values_list("invoice_line", "quantity")
        .order_by()
    }
    crediting = _credit_quantities(invoice_lines, credited_before, lines, whole)
    amounts: CreditAmounts = credit_amounts(
        {
            pk: InvoicedLine(line.quantity, line.net, (line.tax_rate_id, line.tax_percent), line.tax_percent)
            for pk, line in invoice_lines.items()
        },
        credited_before,
        crediting,
    )
    if amounts.totals.total <= 0:
        raise ApplicationError(
            _("This credit note would credit nothing: the lines chosen are at a price of zero."),
            {"lines": _("Choose lines with an amount.")},
        )
    credit_note = CreditNote(
        organization=organization,
        invoice=invoice,
        account_id=invoice.account_id,
        currency=invoice.currency,
        rate_to_base=invoice.rate_to_base,
        issue_date=issue_date or max(_today(), invoice.issue_date),
        reason=reason,
        net_total=amounts.totals.net,
        tax_total=amounts.totals.tax,
        total=amounts.totals.total,
        created_by=actor,
    )
    credit_note.full_clean(exclude=["number"])
    credit_note.number = _next_number(organization, SeriesKind.CREDIT_NOTE, credit_note.issue_date.year)
    save_deciding_by_constraint(credit_note)
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            organization=organization,
            credit_note=credit_note,
            invoice_line_id=pk,
            quantity=quantity,
            tax_rate_id=invoice_lines[pk].tax_rate_id,
            tax_percent=invoice_lines[pk].tax_percent,
            net=amounts.line_nets[pk],
        )
        for pk, quantity in sorted(crediting.items(), key=lambda item: invoice_lines[item[0]].position)
    )
    _post(
        organization=organization,
        account_id=invoice.account_id,
        kind=LedgerKind.CREDIT_NOTE,
        entry_date=credit_note.issue_date,
        currency=credit_note.currency,
        rate=credit_note.rate_to_base,
        credit=credit_note.total,
        credit_note=credit_note,
    )
    released = _release_overpayment(organization, actor, invoice, credit_note)
    extra = {"lines": [{"invoice_line": pk, "quantity": str(q)} for pk, q in crediting.items()]}
    if released:
        extra["released_to_account_credit"] = str(released)
    _audit_new(organization, actor, credit_note, CREDIT_NOTE_FIELDS, **extra)
    return credit_note


# --- Payments ---------------------------------------------------------------------------------------


def _locked_payment(organization: Organization, payment_id: int) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(organization=organization, pk=payment_id)
    )


def _allocate(
    organization: Organization,
    actor: Membership,
    payment: Payment,
    allocations: Sequence[tuple[Invoice, Decimal]],
) -> list[Allocation]:
    """Allocate a locked payment to invoices: lock them in id order, read what is open on each
    side under the locks, refuse what exceeds either."""
    if payment.is_reversed:
        raise ApplicationError(
            _("This payment has been reversed: it cannot be allocated."), code="payment_reversed", status=409
        )
    if not allocations:
        raise ApplicationError(
            _("Choose at least one invoice to allocate the payment to."), {"allocations": _("Choose an invoice.")}
        )
    field = Allocation._meta.get_field("amount")
    asked: dict[int, tuple[int, Decimal]] = {}
    for index, (invoice, amount) in enumerate(allocations):
        try:
            amount = field.clean(amount, None)
        except ValidationError as error:
            raise ValidationError({f"allocations.{index}.amount": error.error_list}) from None
        if getattr(invoice, "pk", None) in asked:
            raise ValidationError({f"allocations.{index}.invoice": _("Allocate to each invoice once.")})
        asked[invoice.pk] = (index, amount)
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update(of=("self",))
        .filter(organization=organization, pk__in=sorted(asked))
        .order_by("pk")
    }
    for pk, (index, _amount) in asked.items():
        if pk not in invoices:
            raise ValidationError({f"allocations.{index}.invoice": _("Choose an invoice of this organisation.")})
    unallocated = payment_unallocated(organization=organization, payment=payment)
    wanted = sum((amount for _index, amount in asked.values()), ZERO)
    if wanted > unallocated:
        raise ApplicationError(
            _("You cannot allocate more than the payment has left: %(left)s.")
            % {"left": money_text(unallocated, payment.currency)},
            {"allocations": _("At most %(left)s in all.") % {"left": money_text(unallocated, payment.currency)}},
        )
    open_amounts = invoice_open_amounts(organization=organization, invoice_ids=list(invoices))
    made = []
    for pk, (index, amount) in sorted(asked.items(), key=lambda item: item[1][0]):
        invoice = invoices[pk]
        allocation = Allocation(
            organization=organization,
            payment=payment,
            invoice=invoice,
            amount=amount,
            allocated_on=max(payment.received_on, invoice.issue_date or payment.received_on),
            created_by=actor,
        )
        _clean(allocation, prefix=f"allocations.{index}", exclude=["created_by"])
        left = open_amounts.get(pk, ZERO)
        if amount > left:
            raise ApplicationError(
                _("You cannot allocate more than is open on invoice %(number)s: %(left)s.")
                % {"number": invoice.number, "left": money_text(left, invoice.currency)},
                {f"allocations.{index}.amount": _("At most %(left)s.") % {"left": money_text(left, invoice.currency)}},
            )
        made.append(allocation)
    Allocation.objects.bulk_create(made)
    return made


def _allocations_audit(allocations: list[Allocation]) -> list[dict]:
    return [{"invoice": a.invoice_id, "amount": str(a.amount)} for a in allocations]


@transaction.atomic
def payment_record(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    amount: Decimal,
    received_on: date,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    currency: str | None = None,
    rate_to_base: Decimal | None = None,
    allocations: Sequence[tuple[Invoice, Decimal]] | None = None,
) -> Payment:
    """Record money received from `account` in its currency (another is refused), written to
    the ledger as a credit; with `allocations`, (invoice, amount) pairs, allocated at once (see
    payment_allocate). What is not allocated is the account's credit."""
    _require(permissions.can_record_payment(actor, account), actor, account, _("Only finance records payments."))
    payment = Payment(
        organization=organization,
        account=account,
        currency=currency or account.currency,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference,
        rate_to_base=Decimal("1") if rate_to_base is None else rate_to_base,
        recorded_by=actor,
    )
    payment.full_clean()
    _require_rate(organization, payment.currency, rate_to_base)
    payment.save()
    _post(
        organization=organization,
        account_id=account.pk,
        kind=LedgerKind.PAYMENT,
        entry_date=payment.received_on,
        currency=payment.currency,
        rate=payment.rate_to_base,
        credit=payment.amount,
        payment=payment,
    )
    extra = {}
    if allocations:  # the payment is new: no one else sees it before this transaction commits
        extra["allocations"] = _allocations_audit(_allocate(organization, actor, payment, allocations))
    _audit_new(organization, actor, payment, PAYMENT_FIELDS, **extra)
    return payment


@transaction.atomic
def payment_allocate(
    *,
    organization: Organization,
    actor: Membership,
    payment: Payment,
    allocations: Sequence[tuple[Invoice, Decimal]],
) -> list[Allocation]:
    """Allocate what is left of a payment to issued invoices of its account, (invoice, amount)
    pairs, partial amounts allowed: never more than the payment has left in all, nor more than
    is open on an invoice, also with two people allocating at once (the payment is locked first,
    then the invoices in id order). billing.selectors.payment_allocation_proposal proposes the
    pairs, oldest due first."""
    payment = _locked_payment(organization, payment.pk)
    _require(
        permissions.can_allocate_payment(actor, payment), actor, payment.account, _("Only finance allocates payments.")
    )
    made = _allocate(organization, actor, payment, allocations)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="payment.allocate",
        obj=payment,
        changes={"allocations": [None, _allocations_audit(made)]},
    )
    return made


@transaction.atomic
def payment_reverse(
    *, organization: Organization, actor: Membership, payment: Payment, reversed_on: date, reason: str
) -> Payment:
    """Reverse (bounce) a payment on a date, with a reason: its allocations end (their rows
    stay, marked), the invoices they paid are open again, and the ledger gets a debit of the
    payment's amount. Once: a second reversal is refused."""
    payment = _locked_payment(organization, payment.pk)
    _require(
        permissions.can_reverse_payment(actor, payment), actor, payment.account, _("Only finance reverses payments.")
    )
    if payment.is_reversed:
        raise ApplicationError(_("This payment has been reversed already."), code="payment_reversed", status=409)
    errors = {}
    if reversed_on is None:
        errors["reversed_on"] = _("This field is required.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the payment is reversed.")
    if errors:
        raise ApplicationError(
            next(iter(errors.values())) if len(errors) == 1 else _("Some fields need attention."), errors
        )
    payment.reversed_on, payment.reversal_reason = reversed_on, reason
    payment.reversed_by, payment.reversed_at = actor, timezone.now()
    try:
        payment.full_clean()
    except ValidationError as error:
        if hasattr(error, "error_dict") and "reversal_reason" in error.error_dict:
            error.error_dict["reason"] = error.error_dict.pop("reversal_reason")
        raise
    payment.save(update_fields=["reversed_on", "reversal_reason", "reversed_by", "reversed_at"])
    ended = Allocation.objects.filter(organization=organization, payment=payment, reversed_at__isnull=True).update(
        reversed_at=payment.reversed_at,
        reversed_on=Greatest("allocated_on", Value(payment.reversed_on, output_field=DateField())),
        reversal=AllocationEnd.PAYMENT_REVERSED,
    )
    _post(
        organization=organization,
        account_id=payment.account_id,
        kind=LedgerKind.PAYMENT_REVERSAL,
        entry_date=payment.reversed_on,
        currency=payment.currency,
        rate=payment.rate_to_base,
        debit=payment.amount,
        payment=payment,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="payment.reverse",
        obj=payment,
        changes={
            "reversed_on": [None, payment.reversed_on.isoformat()],
            "reversal_reason": [None, payment.reversal_reason],
            "allocations_ended": [0, ended],
        },
    )
    return payment


# --- Settings ----------------------------------------------------------------------------------------


class SettingsChanges(TypedDict, total=False):
    statements_monthly: bool
    statement_day: int
    invoice_notes: str


@transaction.atomic
def billing_settings_update(
    *, organization: Organization, actor: Membership, **changes: Unpack[SettingsChanges]
) -> BillingSettings:
    """Monthly statements (on or off, the day of the month) and the notes new invoices start with."""
    if not permissions.can_change_billing_settings(actor):
        raise _forbidden(_("Only finance changes the billing settings."))
    unknown = set(changes) - set(SettingsChanges.__annotations__)
    if unknown:
        raise TypeError(f"unexpected changes: {', '.join(sorted(unknown))}")
    settings, _created = BillingSettings.objects.select_for_update().get_or_create(organization=organization)
    before = audit_snapshot(settings, SETTINGS_FIELDS)
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    audit_changes(organization=organization, actor=actor.user, action="settings.billing", obj=settings, before=before)
    return settings
