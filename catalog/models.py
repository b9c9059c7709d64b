"""The catalogue: products and services, their prices and costs per currency, the tax rates
the organisation invoices with, and a product's lifecycle (active → obsolete, with the product
that replaces it).

Every rule one row can state is here (validators, constraints with the sentence a person
reads); catalog.services keeps the rest (who may change the catalogue, the lifecycle).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.fields import (
    CurrencyField,
    ExactDecimalField,
    FieldCheckConstraint,
    FieldUniqueConstraint,
    MoneyField,
    TrimmedCharField,
    TrimmedTextField,
)
from accounts.models import OfOneOrganization
from clients.reference import CURRENCY_CHOICES
from config.validators import sane_date
from tenancy.models import TenantOwned

ON_THE_LIST = {"invalid_choice": _("Choose a value from the list.")}
REQUIRED = {"blank": _("This field is required."), "null": _("This field is required.")}
NOT_NEGATIVE = _("It cannot be negative.")
RATE_RANGE = _("A tax rate is a percentage from 0 to 100.")


class TaxRate(TenantOwned):
    """A rate the organisation invoices with: Spanish VAT 21 %, 10 %, 4 %, 0 %, or exempt (no
    tax, with the legal reason printed on the invoice). A tenant setting kept by admin and
    finance; a rate in use is retired (is_active off), never deleted, so issued invoices keep
    what they were issued with."""

    name = TrimmedCharField(_("name"), max_length=60, error_messages=REQUIRED)
    rate = ExactDecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(
            ("invalid", "null", "max_digits", "max_whole_digits", "min_value", "max_value"), RATE_RANGE
        )
        | {"max_decimal_places": _("At most two decimals.")},
    )
    is_exempt = models.BooleanField(_("exempt"), default=False)
    exemption_reason = TrimmedCharField(_("exemption reason"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rate", "name"]
        constraints = [
            FieldUniqueConstraint(
                F("organization"),
                Lower("name"),
                name="taxrate_org_lower_name_unique",
                field="name",
                violation_error_message=_("A tax rate with this name already exists."),
            ),
            FieldCheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100),
                name="taxrate_rate_is_a_percentage",
                field="rate",
                violation_error_message=RATE_RANGE,
            ),
            FieldCheckConstraint(
                condition=Q(is_exempt=False) | Q(rate=0),
                name="taxrate_exempt_has_no_rate",
                field="rate",
                violation_error_message=_("An exempt rate charges no tax: its rate is 0."),
            ),
            # The invoice prints why no tax is charged (Spanish invoices must).
            FieldCheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exemption_reason=""),
                name="taxrate_exempt_says_why",
                field="exemption_reason",
                violation_error_message=_("An exempt rate says why: the legal reason the invoice prints."),
            ),
        ]
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")

    def __str__(self) -> str:
        return self.name


class Category(TenantOwned):
    name = TrimmedCharField(_("name"), max_length=100, error_messages=REQUIRED)

    class Meta:
        ordering = ["name"]
        constraints = [
            FieldUniqueConstraint(
                F("organization"),
                Lower("name"),
                name="category_org_lower_name_unique",
                field="name",
                violation_error_message=_("A category with this name already exists."),
            )
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


class Unit(models.TextChoices):
    UNIT = "unit", _("unit")
    HOUR = "hour", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    KG = "kg", _("kg")
    LITRE = "litre", _("litre")
    METRE = "metre", _("metre")
    LICENCE = "licence", _("licence")


class ProductStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("product status", "Active")
    OBSOLETE = "obsolete", _("Obsolete")


SKU_RULE = _("Letters, digits, dots, dashes and underscores only.")


class Product(OfOneOrganization, TenantOwned):
    """A product or service the organisation sells. Obsolete ones stay (invoices point to them)
    and say which product replaces them and since when; no new line may use them."""

    sku = TrimmedCharField(
        _("SKU"),
        max_length=40,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", SKU_RULE)],
        error_messages=REQUIRED,
    )
    name = TrimmedCharField(_("name"), max_length=200, error_messages=REQUIRED)
    # A TextField's max_length only sizes a form's box: the validator says it to full_clean().
    description = TrimmedTextField(_("description"), blank=True, max_length=4000, validators=[MaxLengthValidator(4000)])
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.PRODUCT, error_messages=ON_THE_LIST
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
        error_messages={"invalid": _("Choose a category of this organisation.")},
    )
    unit = models.CharField(
        _("unit"), max_length=10, choices=Unit.choices, default=Unit.UNIT, error_messages=ON_THE_LIST
    )
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("tax rate"),
        error_messages={"invalid": _("Choose a tax rate of this organisation."), "null": _("This field is required.")},
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProductStatus.choices,
        default=ProductStatus.ACTIVE,
        error_messages=ON_THE_LIST,
    )
    obsolete_on = models.DateField(_("obsolete since"), null=True, blank=True, validators=sane_date)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
        error_messages={"invalid": _("Choose a product of this organisation.")},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            FieldUniqueConstraint(
                F("organization"),
                Lower("sku"),
                name="product_org_lower_sku_unique",
                field="sku",
                violation_error_message=_("Another product has this SKU."),
            ),
            FieldCheckConstraint(
                condition=Q(status=ProductStatus.ACTIVE, obsolete_on__isnull=True, replaced_by__isnull=True)
                | Q(status=ProductStatus.OBSOLETE, obsolete_on__isnull=False),
                name="product_obsolete_has_a_date",
                field="obsolete_on",
                violation_error_message=_("An obsolete product says since when; an active one has no such date."),
            ),
            FieldCheckConstraint(
                condition=~Q(replaced_by=F("id")),
                name="product_not_replaced_by_itself",
                field="replaced_by",
                violation_error_message=_("A product cannot replace itself."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="product_org_name_idx"),
            models.Index(fields=["organization", "category"], name="product_org_category_idx"),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    @property
    def is_obsolete(self) -> bool:
        return self.status == ProductStatus.OBSOLETE

    def clean(self) -> None:
        super().clean()
        if self.replaced_by_id is not None and self.replaced_by_id == self.pk:
            raise ValidationError({"replaced_by": _("A product cannot replace itself.")})


class ProductPrice(OfOneOrganization, TenantOwned):
    """A product's list price and unit cost in one currency: one row per product and currency."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product"))
    currency = CurrencyField(
        _("currency"),
        choices=CURRENCY_CHOICES,
        error_messages=dict.fromkeys(
            ("invalid_choice", "blank"), _("Unknown currency: use an ISO 4217 code such as EUR or USD.")
        ),
    )
    list_price = MoneyField(
        _("list price"), validators=[MinValueValidator(Decimal("0"))], error_messages={"min_value": NOT_NEGATIVE}
    )
    unit_cost = MoneyField(
        _("unit cost"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        error_messages={"min_value": NOT_NEGATIVE},
    )

    class Meta:
        ordering = ["currency"]
        constraints = [
            FieldUniqueConstraint(
                fields=["organization", "product", "currency"],
                name="productprice_org_product_currency_unique",
                field="currency",
                violation_error_message=_("This product already has a price in this currency."),
            ),
            FieldCheckConstraint(
                condition=Q(list_price__gte=0),
                name="productprice_list_price_not_negative",
                field="list_price",
                violation_error_message=NOT_NEGATIVE,
            ),
            FieldCheckConstraint(
                condition=Q(unit_cost__gte=0),
                name="productprice_unit_cost_not_negative",
                field="unit_cost",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.product} · {self.currency}"

    @property
    def margin_pct(self) -> Decimal | None:
        """What is left of the list price after the unit cost, in percent to one decimal; None
        for a price of 0."""
        if not self.list_price:
            return None
        margin = (self.list_price - self.unit_cost) * 100 / self.list_price
        return margin.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
