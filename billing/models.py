"""Billing: invoices and their lines, credit notes, payments and their allocations to invoices,
the ledger every one of them writes, the numbering series and the organisation's settings.

Every rule one row can state is here (validators, constraints with the sentence a person reads,
`clean()` for what compares a row with its parent); billing.services keeps the rest (who may,
the state of a document, the rules between rows). What is issued is frozen by database
triggers (billing/triggers.py), on PostgreSQL and SQLite alike: an issued invoice, its lines,
credit notes, ledger entries and payments (but for their reversal, once) cannot be changed by
any route, the admin or SQL included.

Money (DESIGN.md): MoneyField amounts, the document's currency, and its rate to the
organisation's base currency; the amounts are computed in one place, billing/totals.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import (
    CurrencyField,
    ExactDecimalField,
    FieldCheckConstraint,
    MoneyField,
    TrimmedCharField,
    TrimmedTextField,
    WholeSmallNumberField,
)
from accounts.models import Account, OfOneOrganization
from catalog.models import Product, TaxRate
from clients.reference import CURRENCY_CHOICES
from config.validators import sane_date
from tenancy.models import Membership, TenantOwned

REQUIRED = {"blank": _("This field is required."), "null": _("This field is required.")}
ON_THE_LIST = {"invalid_choice": _("Choose a value from the list.")}
A_DATE = {"invalid": _("Enter a valid date."), "invalid_date": _("Enter a valid date.")}
CURRENCY_ERRORS = dict.fromkeys(
    ("invalid_choice", "blank"), _("Unknown currency: use an ISO 4217 code such as EUR or USD.")
)
NOT_NEGATIVE = _("It cannot be negative.")
MORE_THAN_ZERO = _("It must be more than zero.")
QUANTITY_MORE_THAN_ZERO = _("The quantity must be more than zero.")
DISCOUNT_RANGE = _("A discount is a percentage from 0 to 100.")
RATE_MORE_THAN_ZERO = _("The rate must be more than zero.")
DUE_NOT_BEFORE_ISSUE = _("The due date cannot be before the issue date.")
STATEMENT_DAY = _("A day of the month from 1 to 28.")

# --- Fields shared by the documents ----------------------------------------------------------


def _quantity_field(verbose_name) -> ExactDecimalField:
    return ExactDecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"), message=QUANTITY_MORE_THAN_ZERO)],
        error_messages={
            "invalid": _("Enter a quantity, like 2 or 1.5."),
            "null": _("Enter a quantity, like 2 or 1.5."),
            "max_digits": _("That quantity is too large."),
            "max_whole_digits": _("That quantity is too large."),
            "max_decimal_places": _("At most three decimals."),
        },
    )


def _rate_field() -> ExactDecimalField:
    """A document's rate to the organisation's base currency: one unit of the document's
    currency in base currency (1 when they are the same)."""
    return ExactDecimalField(
        _("rate to base currency"),
        max_digits=18,
        decimal_places=8,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.00000001"), message=RATE_MORE_THAN_ZERO)],
        error_messages={
            "invalid": _("Enter a rate, like 1.0845."),
            "null": _("Enter a rate, like 1.0845."),
            "max_digits": _("That rate is too large."),
            "max_whole_digits": _("That rate is too large."),
            "max_decimal_places": _("At most eight decimals."),
        },
    )


def _money(verbose_name, **kwargs) -> MoneyField:
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    kwargs.setdefault("error_messages", {"min_value": NOT_NEGATIVE})
    return MoneyField(verbose_name, **kwargs)


def _date(verbose_name, **kwargs) -> models.DateField:
    return models.DateField(verbose_name, validators=sane_date, error_messages=A_DATE, **kwargs)


def _totals_add_up(prefix: str) -> models.CheckConstraint:
    # Rounded to the cent: exact on PostgreSQL's numeric either way, but SQLite (the embedded
    # default) keeps decimals as binary floats, where 0.10 + 0.20 is not 0.30 (about one sum of
    # cents in four misses by a float's last bit); its round() comes back to the nearest float.
    return models.CheckConstraint(
        condition=Q(total=Round(F("net_total") + F("tax_total"), 2)) & Q(net_total__gte=0, tax_total__gte=0),
        name=f"{prefix}_totals_add_up",
        violation_error_message=_("The total is the net amount plus the tax."),
    )


def _rate_positive(prefix: str) -> FieldCheckConstraint:
    return FieldCheckConstraint(
        condition=Q(rate_to_base__gt=0),
        name=f"{prefix}_rate_to_base_positive",
        field="rate_to_base",
        violation_error_message=RATE_MORE_THAN_ZERO,
    )


class CleanedFields(models.Model):
    """Remembers which fields clean_fields() refused, so that clean() compares or computes only
    with values that passed their own validation (a quantity of -2 is said once, as such, not
    again as a negative net)."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        self._refused_fields = set()
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            self._refused_fields = set(error.error_dict)
            raise

    def fields_passed(self, *names: str) -> bool:
        return not set(names) & getattr(self, "_refused_fields", set())


def _related(row, name: str):
    """The row `name` points to when it is one of this organisation's, else None (the field's
    own validation, OfOneOrganization, says what is wrong with it)."""
    field = row._meta.get_field(name)
    if getattr(row, field.attname) is None:
        return None
    try:
        related = getattr(row, name)
    except field.related_model.DoesNotExist:
        return None
    return related if related.organization_id == row.organization_id else None


def _same_currency_as_account(row) -> dict:
    """The account's currency is the document's: the statement of an account adds them up."""
    account = _related(row, "account")
    if account is None or not row.currency or not row.fields_passed("currency"):
        return {}
    account_currency = account.currency
    if row.currency != account_currency:
        return {
            "currency": ValidationError(
                _("The account is billed in %(currency)s: use its currency."),
                params={"currency": account_currency},
                code="currency",
            )
        }
    return {}


def _rate_of_base_currency(row) -> dict:
    """A document in the organisation's base currency is at a rate of 1."""
    if not row.fields_passed("currency", "rate_to_base") or not row.currency:
        return {}
    base = row.organization.base_currency
    if row.currency == base and row.rate_to_base != 1:
        return {
            "rate_to_base": ValidationError(
                _("%(currency)s is the organisation's base currency: its rate is 1."),
                params={"currency": base},
                code="rate",
            )
        }
    return {}


# --- Settings and numbering ------------------------------------------------------------------


class BillingSettings(TenantOwned):
    """The organisation's billing settings: monthly statements mailed on a day of the month,
    and the notes a new invoice starts with."""

    statements_monthly = models.BooleanField(_("mail monthly statements"), default=False)
    statement_day = WholeSmallNumberField(
        _("statement day of the month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        error_messages=dict.fromkeys(("invalid", "null", "min_value", "max_value"), STATEMENT_DAY),
    )
    invoice_notes = TrimmedTextField(_("default invoice notes"), max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                name="billingsettings_one_per_org",
                violation_error_message=_("This organisation has its billing settings already."),
            ),
            FieldCheckConstraint(
                condition=Q(statement_day__gte=1, statement_day__lte=28),
                name="billingsettings_statement_day_in_month",
                field="statement_day",
                violation_error_message=STATEMENT_DAY,
            ),
        ]
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self) -> str:
        return str(_("Billing settings"))


class SeriesKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class NumberSeries(TenantOwned):
    """The last number given in a gapless series (one per organisation, kind and year).

    Issuing increments it inside the issuing transaction (billing.services._next_number, one
    INSERT … ON CONFLICT DO UPDATE … RETURNING that locks the row): a second issue waits for
    the first to commit, and an issue rolled back gives its number back."""

    kind = models.CharField(max_length=12, choices=SeriesKind.choices, error_messages=ON_THE_LIST)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1900), MaxValueValidator(2100)])
    last_number = models.PositiveIntegerField(default=0)

    PREFIXES = {SeriesKind.INVOICE: "", SeriesKind.CREDIT_NOTE: "R"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "year"],
                name="numberseries_org_kind_year_unique",
                violation_error_message=_("This series exists already."),
            )
        ]
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"

    @classmethod
    def format(cls, kind: str, year: int, number: int) -> str:
        """2026-000123 for invoices, R2026-000007 for credit notes."""
        return f"{cls.PREFIXES[SeriesKind(kind)]}{year}-{number:06d}"


# --- Invoices --------------------------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


INVOICE_NUMBER_UNIQUE = "invoice_org_number_unique"


class Invoice(CleanedFields, OfOneOrganization, TenantOwned):
    """An invoice to an account, in the account's currency. A draft is edited freely and may be
    deleted; issuing numbers it, dates it, stores its totals and writes its ledger debit, and
    from then on a database trigger refuses any change: corrections are credit notes."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("account"),
        error_messages={"invalid": _("Choose an account of this organisation."), "null": _("This field is required.")},
    )
    currency = CurrencyField(_("currency"), choices=CURRENCY_CHOICES, error_messages=CURRENCY_ERRORS)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.DRAFT,
        error_messages=ON_THE_LIST,
    )
    # NULL, not "", in a draft: drafts have no number, and NULLs never collide in the unique key.
    number = models.CharField(_("number"), max_length=20, null=True, blank=True, editable=False)  # noqa: DJ001
    issue_date = _date(_("issue date"), null=True, blank=True)
    due_date = _date(_("due date"), null=True, blank=True)
    notes = TrimmedTextField(_("notes"), max_length=2000, blank=True)
    rate_to_base = _rate_field()
    net_total = _money(_("net"), default=Decimal("0.00"))
    tax_total = _money(_("tax"), default=Decimal("0.00"))
    total = _money(_("total"), default=Decimal("0.00"))
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                name=INVOICE_NUMBER_UNIQUE,
                violation_error_message=_("Another invoice has this number."),
            ),
            FieldCheckConstraint(
                condition=Q(due_date__isnull=True) | Q(issue_date__isnull=True) | Q(due_date__gte=F("issue_date")),
                name="invoice_due_not_before_issue",
                field="due_date",
                violation_error_message=DUE_NOT_BEFORE_ISSUE,
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT, number__isnull=True, issued_at__isnull=True)
                | Q(
                    status=InvoiceStatus.ISSUED,
                    number__isnull=False,
                    issue_date__isnull=False,
                    due_date__isnull=False,
                    issued_at__isnull=False,
                    total__gt=0,
                ),
                name="invoice_issued_is_complete",
                violation_error_message=_(
                    "An issued invoice has a number, an issue date, a due date and a total above zero; a draft has no number."
                ),
            ),
            _totals_add_up("invoice"),
            _rate_positive("invoice"),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "due_date"], name="invoice_org_account_due_idx"),
            models.Index(fields=["organization", "issue_date"], name="invoice_org_issue_idx"),
        ]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice %(id)s") % {"id": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    def clean(self) -> None:
        errors = _same_currency_as_account(self) | _rate_of_base_currency(self)
        if errors:
            raise ValidationError(errors)


class InvoiceLine(CleanedFields, OfOneOrganization, TenantOwned):
    """A line of an invoice: a product of the catalogue or free text, a quantity at a unit
    price less a discount, at a tax rate (whose percentage is kept as it was). `net` is computed
    by billing.totals.line_net when the line is cleaned."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("product"),
        error_messages={"invalid": _("Choose a product of this organisation.")},
    )
    # Blank only until clean() gives it the product's name.
    description = TrimmedCharField(_("description"), max_length=500, blank=True)
    quantity = _quantity_field(_("quantity"))
    unit_price = _money(_("unit price"))
    discount_percent = ExactDecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(
            ("invalid", "null", "max_digits", "max_whole_digits", "min_value", "max_value"), DISCOUNT_RANGE
        )
        | {"max_decimal_places": _("At most two decimals.")},
    )
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        verbose_name=_("tax rate"),
        error_messages={"invalid": _("Choose a tax rate of this organisation."), "null": _("Choose a tax rate.")},
    )
    # Computed by clean() (blank only until then): the rate's percentage as it was, and the net.
    tax_percent = ExactDecimalField(_("tax (%)"), max_digits=5, decimal_places=2, blank=True, editable=False)
    net = _money(_("net"), blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invoice", "position"],
                name="invoiceline_org_invoice_position_unique",
                violation_error_message=_("The invoice has a line at this position already."),
            ),
            FieldCheckConstraint(
                condition=Q(quantity__gt=0),
                name="invoiceline_quantity_positive",
                field="quantity",
                violation_error_message=QUANTITY_MORE_THAN_ZERO,
            ),
            FieldCheckConstraint(
                condition=Q(unit_price__gte=0),
                name="invoiceline_unit_price_not_negative",
                field="unit_price",
                violation_error_message=NOT_NEGATIVE,
            ),
            FieldCheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="invoiceline_discount_is_a_percentage",
                field="discount_percent",
                violation_error_message=DISCOUNT_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(net__gte=0, tax_percent__gte=0, tax_percent__lte=100),
                name="invoiceline_net_and_tax_in_range",
                violation_error_message=_("A line's net cannot be negative and its tax is a percentage."),
            ),
        ]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        from billing.totals import line_net

        product, tax_rate = _related(self, "product"), _related(self, "tax_rate")
        if not self.description and product is not None:
            self.description = product.name
        if not self.description:
            raise ValidationError({"description": _("Describe the line, or choose a product.")})
        if tax_rate is not None:
            self.tax_percent = tax_rate.rate
        inputs = (self.quantity, self.unit_price, self.discount_percent)
        if self.fields_passed("quantity", "unit_price", "discount_percent") and all(
            isinstance(value, Decimal) for value in inputs
        ):
            self.net = line_net(*inputs)
            if self.net >= Decimal("1e12"):
                raise ValidationError(
                    {
                        NON_FIELD_ERRORS: _("The line's amount is too large."),
                        "quantity": _("Quantity × unit price is too large."),
                    }
                )


# --- Credit notes ----------------------------------------------------------------------------


class CreditNote(CleanedFields, OfOneOrganization, TenantOwned):
    """A correction of an issued invoice, in whole or in part, numbered in its own gapless
    series. Created issued (billing.services.credit_note_create); never changed afterwards."""

    number = models.CharField(_("number"), max_length=20, editable=False)
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("invoice"),
        error_messages={"invalid": _("Choose an invoice of this organisation.")},
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_notes")
    currency = CurrencyField(_("currency"), choices=CURRENCY_CHOICES, error_messages=CURRENCY_ERRORS)
    rate_to_base = _rate_field()
    issue_date = _date(_("issue date"))
    reason = TrimmedTextField(
        _("reason"),
        max_length=1000,
        error_messages={"blank": _("Say why the invoice is credited."), "null": _("This field is required.")},
    )
    net_total = _money(_("net"), default=Decimal("0.00"))
    tax_total = _money(_("tax"), default=Decimal("0.00"))
    total = _money(_("total"), default=Decimal("0.00"))
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                name="creditnote_org_number_unique",
                violation_error_message=_("Another credit note has this number."),
            ),
            _totals_add_up("creditnote"),
            models.CheckConstraint(
                condition=Q(total__gt=0),
                name="creditnote_total_positive",
                violation_error_message=_("A credit note credits more than nothing."),
            ),
            _rate_positive("creditnote"),
        ]
        indexes = [models.Index(fields=["organization", "invoice"], name="creditnote_org_invoice_idx")]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        invoice = _related(self, "invoice")
        if invoice is None:
            return
        if invoice.status != InvoiceStatus.ISSUED:
            raise ValidationError({"invoice": _("Only an issued invoice can be credited.")})
        errors = {}
        if self.account_id != invoice.account_id or self.currency != invoice.currency:
            errors[NON_FIELD_ERRORS] = _("A credit note is for its invoice's account, in its currency.")
        if self.fields_passed("rate_to_base") and self.rate_to_base != invoice.rate_to_base:
            errors["rate_to_base"] = _("A credit note keeps its invoice's rate.")
        if self.fields_passed("issue_date") and self.issue_date and self.issue_date < invoice.issue_date:
            errors["issue_date"] = ValidationError(
                _("A credit note cannot be dated before its invoice (%(date)s)."),
                params={"date": invoice.issue_date.isoformat()},
                code="before_invoice",
            )
        if errors:
            raise ValidationError(errors)


class CreditNoteLine(OfOneOrganization, TenantOwned):
    """A quantity of an invoice line credited, at the line's price, discount and rate; its net
    is the line's, proportional (billing.totals.credit_amounts)."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine,
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("invoice line"),
        error_messages={"invalid": _("Choose a line of this invoice.")},
    )
    quantity = _quantity_field(_("quantity"))
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, related_name="+")
    tax_percent = ExactDecimalField(_("tax (%)"), max_digits=5, decimal_places=2)
    net = _money(_("net"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "credit_note", "invoice_line"],
                name="creditnoteline_org_note_line_unique",
                violation_error_message=_("A credit note credits each invoice line once."),
            ),
            FieldCheckConstraint(
                condition=Q(quantity__gt=0),
                name="creditnoteline_quantity_positive",
                field="quantity",
                violation_error_message=QUANTITY_MORE_THAN_ZERO,
            ),
            models.CheckConstraint(
                condition=Q(net__gte=0),
                name="creditnoteline_net_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")

    def __str__(self) -> str:
        return f"{self.invoice_line_id} × {self.quantity}"


# --- Payments and allocations ----------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    CARD = "card", _("Card")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")


class Payment(CleanedFields, OfOneOrganization, TenantOwned):
    """Money received from an account, in its currency. What is not allocated to invoices is
    the account's credit, allocatable later. A payment is never changed: it may be reversed
    (bounced) once, with a date and a reason, which a database trigger lets through only once."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("account"),
        error_messages={"invalid": _("Choose an account of this organisation."), "null": _("This field is required.")},
    )
    currency = CurrencyField(_("currency"), choices=CURRENCY_CHOICES, error_messages=CURRENCY_ERRORS)
    amount = MoneyField(
        _("amount"),
        validators=[MinValueValidator(Decimal("0.01"), message=MORE_THAN_ZERO)],
        error_messages={"min_value": MORE_THAN_ZERO},
    )
    received_on = _date(_("received on"))
    method = models.CharField(
        _("method"),
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.TRANSFER,
        error_messages=ON_THE_LIST,
    )
    reference = TrimmedCharField(_("reference"), max_length=140, blank=True)
    rate_to_base = _rate_field()
    recorded_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_on = _date(_("reversed on"), null=True, blank=True)
    reversal_reason = TrimmedTextField(_("reversal reason"), max_length=1000, blank=True)
    reversed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            FieldCheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                field="amount",
                violation_error_message=MORE_THAN_ZERO,
            ),
            models.CheckConstraint(
                condition=Q(reversed_on__isnull=True, reversed_at__isnull=True, reversal_reason="")
                | Q(reversed_on__isnull=False, reversed_at__isnull=False) & ~Q(reversal_reason=""),
                name="payment_reversal_is_complete",
                violation_error_message=_("A reversal has a date and a reason."),
            ),
            FieldCheckConstraint(
                condition=Q(reversed_on__isnull=True) | Q(reversed_on__gte=F("received_on")),
                name="payment_reversed_after_received",
                field="reversed_on",
                violation_error_message=_("A payment cannot be reversed before it was received."),
            ),
            _rate_positive("payment"),
        ]
        indexes = [models.Index(fields=["organization", "account", "received_on"], name="payment_org_account_idx")]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} · {self.received_on}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_on is not None

    def clean(self) -> None:
        errors = _same_currency_as_account(self) | _rate_of_base_currency(self)
        if errors:
            raise ValidationError(errors)


class AllocationEnd(models.TextChoices):
    """Why an allocation stopped counting (its row stays)."""

    PAYMENT_REVERSED = "payment_reversed", _("The payment was reversed")
    INVOICE_CREDITED = "invoice_credited", _("The invoice was credited")


class Allocation(CleanedFields, OfOneOrganization, TenantOwned):
    """Part of a payment applied to an invoice of the same account.

    Active until it ends: when its payment is reversed, or when a credit note leaves less of
    the invoice than is paid of it (the credit note releases the excess, newest allocation
    first, back to the payment: account credit). Ending sets `reversed_at`, `reversed_on` (from
    when it stops counting) and `reversal`; rows are never deleted (a trigger refuses it).

    `allocated_on` is when the money is applied: the later of the payment's and the invoice's
    dates, so that balances, aging and statements as of any date see an allocation only once
    both its documents exist."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("invoice"),
        error_messages={"invalid": _("Choose an invoice of this organisation.")},
    )
    amount = MoneyField(
        _("amount"),
        validators=[MinValueValidator(Decimal("0.01"), message=MORE_THAN_ZERO)],
        error_messages={"min_value": MORE_THAN_ZERO},
    )
    allocated_on = _date(_("allocated on"))
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_on = _date(_("ended on"), null=True, blank=True)
    reversal = models.CharField(max_length=20, choices=AllocationEnd.choices, blank=True)
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            FieldCheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                field="amount",
                violation_error_message=MORE_THAN_ZERO,
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversed_on__isnull=True, reversal="", credit_note__isnull=True)
                | Q(
                    reversed_at__isnull=False,
                    reversed_on__gte=F("allocated_on"),
                    reversal=AllocationEnd.PAYMENT_REVERSED,
                    credit_note__isnull=True,
                )
                | Q(
                    reversed_at__isnull=False,
                    reversed_on__gte=F("allocated_on"),
                    reversal=AllocationEnd.INVOICE_CREDITED,
                    credit_note__isnull=False,
                ),
                name="allocation_end_is_complete",
                violation_error_message=_("An ended allocation says when and why."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "invoice"], name="allocation_org_invoice_idx"),
            models.Index(fields=["organization", "payment"], name="allocation_org_payment_idx"),
        ]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.amount} of {self.payment_id} to {self.invoice_id}"

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None

    def clean(self) -> None:
        payment, invoice = _related(self, "payment"), _related(self, "invoice")
        if payment is None or invoice is None:
            return
        if invoice.account_id != payment.account_id:
            raise ValidationError({"invoice": _("Allocate a payment to invoices of its own account.")})
        if invoice.status != InvoiceStatus.ISSUED:
            raise ValidationError({"invoice": _("Only an issued invoice can be paid.")})
        if invoice.currency != payment.currency:
            raise ValidationError(
                {
                    "invoice": ValidationError(
                        _("The payment is in %(payment)s and the invoice in %(invoice)s."),
                        params={"payment": payment.currency, "invoice": invoice.currency},
                        code="currency",
                    )
                }
            )


# --- The ledger --------------------------------------------------------------------------------


class LedgerKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    PAYMENT_REVERSAL = "payment_reversal", _("Payment reversed")


class LedgerEntry(OfOneOrganization, TenantOwned):
    """What an account owes, written once per document and never changed (a trigger refuses
    UPDATE and DELETE). An issued invoice debits the account, a credit note credits it, a
    payment credits it, a payment's reversal debits it back. Amounts in the document's currency
    and, at the document's rate, in the organisation's base currency.

    Balances, outstanding amounts, aging and statements are read from here and from the
    documents (billing.selectors): debit − credit is what the account owes."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="ledger_entries")
    entry_date = _date(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    debit = _money(_("debit"), default=Decimal("0.00"))
    credit = _money(_("credit"), default=Decimal("0.00"))
    currency = CurrencyField(_("currency"), choices=CURRENCY_CHOICES, error_messages=CURRENCY_ERRORS)
    rate = _rate_field()
    base_debit = _money(_("debit in base currency"), default=Decimal("0.00"))
    base_credit = _money(_("credit in base currency"), default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind=LedgerKind.INVOICE, invoice__isnull=False, credit_note__isnull=True, payment__isnull=True
                )
                | Q(kind=LedgerKind.CREDIT_NOTE, invoice__isnull=True, credit_note__isnull=False, payment__isnull=True)
                | Q(
                    kind__in=[LedgerKind.PAYMENT, LedgerKind.PAYMENT_REVERSAL],
                    invoice__isnull=True,
                    credit_note__isnull=True,
                    payment__isnull=False,
                ),
                name="ledgerentry_one_document_of_its_kind",
                violation_error_message=_("A ledger entry is for exactly one document, of its kind."),
            ),
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0, base_credit=0, base_debit__gte=0)
                | Q(credit__gt=0, debit=0, base_debit=0, base_credit__gte=0),
                name="ledgerentry_debit_or_credit",
                violation_error_message=_("A ledger entry is a debit or a credit, above zero."),
            ),
            # Each document writes its entry once: a service run twice, or two at once, cannot.
            models.UniqueConstraint(
                fields=["organization", "invoice"],
                condition=Q(invoice__isnull=False),
                name="ledgerentry_org_invoice_once",
                violation_error_message=_("This invoice is in the ledger already."),
            ),
            models.UniqueConstraint(
                fields=["organization", "credit_note"],
                condition=Q(credit_note__isnull=False),
                name="ledgerentry_org_credit_note_once",
                violation_error_message=_("This credit note is in the ledger already."),
            ),
            models.UniqueConstraint(
                fields=["organization", "payment", "kind"],
                condition=Q(payment__isnull=False),
                name="ledgerentry_org_payment_kind_once",
                violation_error_message=_("This payment is in the ledger already."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "entry_date", "id"], name="ledger_org_account_date_idx")
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_date} {self.debit - self.credit} {self.currency}"


# --- Statements: prepared in bulk, and mailed ------------------------------------------------------


class StatementFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class StatementBatchScope(models.TextChoices):
    TENANT = "tenant", _("Every account")
    TEAM = "team", _("A team's accounts")


class StatementBatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


UNFINISHED_BATCH = [StatementBatchStatus.QUEUED, StatementBatchStatus.RUNNING]
# A batch asked for again while one of these stands is that batch (its files, its progress).
STANDING_BATCH = [*UNFINISHED_BATCH, StatementBatchStatus.DONE]


class StatementBatchError(models.TextChoices):
    """Why a batch failed, in words for the person (the worker's log has the details)."""

    BROKEN = "broken", _("The statements could not be prepared. Try again; if it fails again, tell your administrator.")
    INTERRUPTED = "interrupted", _("The statements were interrupted too many times. Try again.")
    NOT_A_MEMBER = "not_a_member", _("The person who asked for them is no longer a member.")


class StatementBatch(TenantOwned):
    """The statements of every account of a team or of the organisation for one period, asked
    for by one person: one Celery task (billing.tasks.statement_batch_build) writes each
    account's statement, as that person may see the accounts, and delivers them as one ZIP,
    written under a temporary name and moved into place when complete.

    Progress is `accounts_done` of `accounts_total`, written as the task goes. The same request
    again (same person, scope, period and format) while one stands, being prepared or ready, is
    that batch: the constraints below make a second set of files impossible, even for two
    requests at once."""

    requested_by = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(
        _("accounts"), max_length=8, choices=StatementBatchScope.choices, error_messages=ON_THE_LIST
    )
    team = models.ForeignKey(
        "tenancy.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        error_messages={"invalid": _("Choose a team of this organisation.")},
    )
    period_start = _date(_("from"))
    period_end = _date(_("to"))
    file_format = models.CharField(
        _("format"), max_length=4, choices=StatementFormat.choices, error_messages=ON_THE_LIST
    )
    language = models.CharField(max_length=8)  # the asker's: file names and spreadsheet headings
    status = models.CharField(max_length=8, choices=StatementBatchStatus.choices, default=StatementBatchStatus.QUEUED)
    accounts_total = models.PositiveIntegerField(default=0)
    accounts_done = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=255, blank=True)  # the ZIP's name in default storage, once complete
    error = models.CharField(max_length=16, choices=StatementBatchError.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last wrote progress: a running batch silent for long was lost with its worker,
    # and is taken up again (billing.tasks), a bounded number of times.
    touched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="statementbatch_age_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "requested_by", "scope", "team", "period_start", "period_end", "file_format"],
                condition=Q(status__in=STANDING_BATCH, team__isnull=False),
                name="statementbatch_team_request_once",
                violation_error_message=_("These statements have been asked for already."),
            ),
            models.UniqueConstraint(
                fields=["organization", "requested_by", "scope", "period_start", "period_end", "file_format"],
                condition=Q(status__in=STANDING_BATCH, team__isnull=True),
                name="statementbatch_request_once",
                violation_error_message=_("These statements have been asked for already."),
            ),
            models.CheckConstraint(
                condition=Q(scope=StatementBatchScope.TEAM, team__isnull=False)
                | Q(scope=StatementBatchScope.TENANT, team__isnull=True),
                name="statementbatch_team_when_team_scope",
                violation_error_message=_("Choose the team whose accounts' statements you want."),
            ),
            FieldCheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="statementbatch_period_in_order",
                field="period_end",
                violation_error_message=_("The period ends on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(accounts_done__lte=F("accounts_total")),
                name="statementbatch_done_within_total",
                violation_error_message=_("A batch cannot have done more accounts than it has."),
            ),
        ]
        verbose_name = _("statement batch")
        verbose_name_plural = _("statement batches")

    def __str__(self) -> str:
        return f"statements {self.scope} {self.period_start}–{self.period_end}.{self.file_format} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED_BATCH


class StatementSendingKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Monthly, scheduled")
    BY_HAND = "by_hand", _("Sent by hand")


class StatementSending(OfOneOrganization, TenantOwned):
    """An account's statement for a period mailed to its finance contact, in their language,
    the PDF attached. The row is written first and `sent_at` once the mail is out, in one
    transaction: a monthly mailing run twice finds its row and sends nothing twice (one per
    account and period, by constraint); a statement sent by hand is recorded each time."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="statement_sendings")
    period_start = _date(_("from"))
    period_end = _date(_("to"))
    kind = models.CharField(max_length=10, choices=StatementSendingKind.choices)
    recipient_name = models.CharField(_("recipient"), max_length=150, blank=True)
    recipient_email = models.EmailField(_("email"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    requested_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "account", "period_end"], name="statementsending_account_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account", "period_start", "period_end"],
                condition=Q(kind=StatementSendingKind.SCHEDULED),
                name="statementsending_scheduled_once",
                violation_error_message=_("This account's statement for the period has been mailed already."),
            ),
            FieldCheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="statementsending_period_in_order",
                field="period_end",
                violation_error_message=_("The period ends on or after the day it starts."),
            ),
        ]
        verbose_name = _("statement sending")
        verbose_name_plural = _("statement sendings")

    def __str__(self) -> str:
        return f"{self.account_id} {self.period_start}–{self.period_end} → {self.recipient_email}"


# --- Finance's risk policy ---------------------------------------------------------------------

PERCENT_RANGE = _("A percentage from 0 to 100.")
DAYS_IN_A_YEAR = _("A number of days from 0 to 365.")
PERCENT_ERRORS = {
    "invalid": _("Enter a percentage, like 15 or 12.5."),
    "null": _("Enter a percentage, like 15 or 12.5."),
    "max_digits": _("That percentage is too large."),
    "max_whole_digits": _("That percentage is too large."),
    "max_decimal_places": _("At most two decimals."),
}
DAYS_ERRORS = dict.fromkeys(("invalid", "null", "min_value", "max_value"), DAYS_IN_A_YEAR)


def _percent(verbose_name, default: str) -> ExactDecimalField:
    return ExactDecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[
            MinValueValidator(Decimal("0"), message=PERCENT_RANGE),
            MaxValueValidator(Decimal("100"), message=PERCENT_RANGE),
        ],
        error_messages=PERCENT_ERRORS,
    )


def _days(verbose_name, default: int) -> WholeSmallNumberField:
    return WholeSmallNumberField(
        verbose_name, default=default, validators=[MaxValueValidator(365)], error_messages=DAYS_ERRORS
    )


def _percent_in_range(name: str) -> FieldCheckConstraint:
    return FieldCheckConstraint(
        condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 100}),
        name=f"riskpolicy_{name}_range",
        field=name,
        violation_error_message=PERCENT_RANGE,
    )


def _days_in_range(name: str) -> FieldCheckConstraint:
    return FieldCheckConstraint(
        condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 365}),
        name=f"riskpolicy_{name}_range",
        field=name,
        violation_error_message=DAYS_IN_A_YEAR,
    )


RISK_POLICY_VERSION_UNIQUE = "riskpolicy_org_version_unique"
# The rules of a version, in the order the page and the API say them (the defaults are the
# fields' own: version 1 of every organisation).
RISK_POLICY_RULES = (
    "max_exposure_percent",
    "overdue_tolerance_amount",
    "overdue_tolerance_days",
    "min_margin_percent",
    "max_line_discount_percent",
    "max_discount_percent",
    "max_payment_terms_days",
)


class RiskPolicy(TenantOwned):
    """Finance's risk policy, the rules an offer is graded against: one per organisation, in
    versions. A change is a new version (the next number, by constraint: two saved at once get
    two numbers or one refusal) and a version is never changed (a database trigger refuses any
    UPDATE), so what an offer was graded with stays readable by its foreign key.

    Exposure is what an account may owe (open receivables + open orders + the offer) as a
    percentage of its credit limit; the overdue tolerance is an amount, in the organisation's
    base currency, that may be more than a number of days past due."""

    version = models.PositiveIntegerField(
        _("version"), validators=[MinValueValidator(1)], error_messages={"min_value": _("Versions count from 1.")}
    )
    max_exposure_percent = ExactDecimalField(
        _("most an account may owe (% of its credit limit)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0"), message=NOT_NEGATIVE)],
        error_messages=PERCENT_ERRORS | {"min_value": NOT_NEGATIVE},
    )
    overdue_tolerance_amount = _money(_("overdue tolerance (amount)"), default=Decimal("2000.00"))
    overdue_tolerance_days = _days(_("overdue tolerance (days late)"), 60)
    min_margin_percent = _percent(_("minimum margin (%)"), "15.00")
    max_line_discount_percent = _percent(_("maximum discount on a line (%)"), "15.00")
    max_discount_percent = _percent(_("maximum overall discount (%)"), "10.00")
    max_payment_terms_days = _days(_("maximum payment terms (days)"), 60)
    note = TrimmedTextField(_("why it changed"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)])
    # None: the version every organisation starts with, set by the system.
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"],
                name=RISK_POLICY_VERSION_UNIQUE,
                violation_error_message=_(
                    "Someone else changed the risk policy at the same time: read the version in force and save again."
                ),
            ),
            FieldCheckConstraint(
                condition=Q(version__gte=1),
                name="riskpolicy_version_from_one",
                field="version",
                violation_error_message=_("Versions count from 1."),
            ),
            FieldCheckConstraint(
                condition=Q(max_exposure_percent__gte=0),
                name="riskpolicy_max_exposure_percent_not_negative",
                field="max_exposure_percent",
                violation_error_message=NOT_NEGATIVE,
            ),
            FieldCheckConstraint(
                condition=Q(overdue_tolerance_amount__gte=0),
                name="riskpolicy_overdue_tolerance_amount_not_negative",
                field="overdue_tolerance_amount",
                violation_error_message=NOT_NEGATIVE,
            ),
            _days_in_range("overdue_tolerance_days"),
            _percent_in_range("min_margin_percent"),
            _percent_in_range("max_line_discount_percent"),
            _percent_in_range("max_discount_percent"),
            _days_in_range("max_payment_terms_days"),
        ]
        verbose_name = _("risk policy")
        verbose_name_plural = _("risk policies")

    def __str__(self) -> str:
        return str(_("Risk policy, version %(version)s") % {"version": self.version})
