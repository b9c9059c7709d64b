"""Reads of the catalogue. Every member reads all of it (catalog.permissions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from babel.dates import format_date
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from catalog.models import Category, Product, ProductPrice, ProductStatus, TaxRate
from tenancy.models import AuditEvent, Organization
from tenancy.selectors import audit_display
from tenancy.text import reader_locale

# How far product_for_new_line follows replacements that were replaced in their turn.
REPLACEMENT_HOPS = 10


def _prices(organization: Organization) -> Prefetch:
    return Prefetch("prices", queryset=ProductPrice.objects.filter(organization=organization).order_by("currency"))


def product_list(*, organization: Organization) -> QuerySet[Product]:
    """The catalogue by name (ProductFilter sorts it otherwise), each product with its
    category, tax rate and replacement, and its list price and unit cost in the
    organisation's base currency (`base_price`, `base_cost`: None without one)."""
    base = ProductPrice.objects.filter(
        organization=organization, product=OuterRef("pk"), currency=organization.base_currency
    )
    return (
        Product.objects.filter(organization=organization)
        .select_related("category", "tax_rate", "replaced_by")
        .annotate(
            base_price=Subquery(base.values("list_price")[:1]),
            base_cost=Subquery(base.values("unit_cost")[:1]),
        )
        .order_by("name", "id")
    )


def product_list_with_prices(*, organization: Organization) -> QuerySet[Product]:
    """product_list with every price of each product (`prices.all`), for the API."""
    return product_list(organization=organization).prefetch_related(_prices(organization))


def product_get(*, organization: Organization, product_id: int) -> Product:
    """A product with its prices and the products it replaced (`replaced`)."""
    replaced = Prefetch(
        "replaces",
        queryset=Product.objects.filter(organization=organization).order_by("-obsolete_on", "name"),
        to_attr="replaced",
    )
    return product_list_with_prices(organization=organization).prefetch_related(replaced).get(pk=product_id)


def product_history(*, organization: Organization, product: Product, limit: int = 20) -> list[AuditEvent]:
    """The latest changes of a product and of its prices, newest first, ready to show: the
    products, categories and tax rates a change names by id shown by their names. The same
    queries whatever the changes."""
    price_ids = [price.pk for price in product.prices.all()]
    about = Q(object_type="catalog.product", object_id=product.pk) | Q(
        object_type="catalog.productprice", object_id__in=price_ids or [0]
    )
    events = list(
        AuditEvent.objects.filter(organization=organization)
        .filter(about)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    named = {"replaced_by": set(), "category": set(), "tax_rate": set()}
    for event in events:
        for name, values in event.changes.items():
            if name in named:
                named[name].update(value for value in values if isinstance(value, int))
    names = {
        "replaced_by": {
            pk: f"{sku} · {name}"
            for pk, sku, name in Product.objects.filter(
                organization=organization, pk__in=named["replaced_by"] or {0}
            ).values_list("pk", "sku", "name")
        },
        "category": dict(
            Category.objects.filter(organization=organization, pk__in=named["category"] or {0}).values_list(
                "pk", "name"
            )
        ),
        "tax_rate": dict(
            TaxRate.objects.filter(organization=organization, pk__in=named["tax_rate"] or {0}).values_list("pk", "name")
        ),
    }
    for event in audit_display(events, organization=organization):
        event.display_changes = [
            (label, names[name].get(before, before), names[name].get(after, after)) if name in names else row
            for name, row in zip(event.changes, event.display_changes, strict=False)
            for label, before, after in [row]
        ]
    return events


def product_page_cards(*, organization: Organization, membership, product: Product) -> list[dict]:
    """What the apps to the right of catalog show on a product's page (offers: the accounts to
    move off an obsolete product, or to tell of a new one): each app's AppConfig names a
    function in `product_page_card`, (*, organization, membership, product) -> a template's
    context with its `template`, or None. Catalog imports none of them (the map's dependencies
    point one way)."""
    cards = []
    for config in apps.get_app_configs():
        if path := getattr(config, "product_page_card", None):
            card = import_string(path)(organization=organization, membership=membership, product=product)
            if card is not None:
                cards.append(card)
    return cards


def tax_rate_list(*, organization: Organization, active_only: bool = False) -> QuerySet[TaxRate]:
    """The organisation's tax rates, highest first, each with how many products use it."""
    rates = TaxRate.objects.filter(organization=organization)
    if active_only:
        rates = rates.filter(is_active=True)
    return rates.annotate(product_count=Count("products")).order_by("-is_active", "-rate", "name", "id")


def tax_rate_get(*, organization: Organization, tax_rate_id: int) -> TaxRate:
    return TaxRate.objects.get(organization=organization, pk=tax_rate_id)


def category_list(*, organization: Organization) -> QuerySet[Category]:
    """The organisation's categories by name, each with how many products it holds."""
    return (
        Category.objects.filter(organization=organization)
        .annotate(product_count=Count("products"))
        .order_by("name", "id")
    )


def category_get(*, organization: Organization, category_id: int) -> Category:
    return Category.objects.get(organization=organization, pk=category_id)


def replacement_choices(*, organization: Organization, product: Product) -> QuerySet[Product]:
    """The products that may replace `product`: the organisation's active ones but itself."""
    return (
        Product.objects.filter(organization=organization, status=ProductStatus.ACTIVE)
        .exclude(pk=product.pk)
        .order_by("name", "sku", "id")
    )


# --- For billing: what a new line of an invoice or an offer takes from the catalogue ----------


class NewLineProduct(NamedTuple):
    product: Product
    price: ProductPrice | None  # in the currency asked for; None when it has no price in it

    @property
    def unit_price(self) -> Decimal | None:
        return self.price.list_price if self.price is not None else None

    @property
    def unit_cost(self) -> Decimal | None:
        return self.price.unit_cost if self.price is not None else None

    @property
    def tax_rate(self) -> TaxRate:
        return self.product.tax_rate


def day_text(day: date) -> str:
    """A day as a sentence says it in the reader's language: "3 March 2026", "3 de marzo de
    2026", "3 de març de 2026"."""
    pattern = pgettext("a date in a sentence, as a Babel (CLDR) date pattern", "d MMMM y")
    return format_date(day, pattern, locale=reader_locale())


def _active_replacement(organization: Organization, product: Product) -> Product | None:
    """The first active product along `product`'s replacements (each may have been replaced in
    its turn), or None when the chain ends without one."""
    seen = {product.pk}
    current = product.replaced_by
    for _hop in range(REPLACEMENT_HOPS):
        if current is None or current.pk in seen:
            return None
        if not current.is_obsolete:
            return current
        seen.add(current.pk)
        if current.replaced_by_id is None:
            return None
        current = Product.objects.filter(organization=organization, pk=current.replaced_by_id).first()
    return None


def product_successor(*, organization: Organization, product: Product) -> Product | None:
    """The active product that stands in for an obsolete `product` now: its replacement, or
    that one's, when the replacement was replaced in its turn; None when the chain ends
    without an active one (or `product` is not obsolete)."""
    return _active_replacement(organization, product) if product.is_obsolete else None


def product_for_new_line(
    *, organization: Organization, product_id_or_instance: Product | int, currency: str
) -> NewLineProduct:
    """The product a new line names, with its list price and unit cost in `currency` (the
    document's) and its tax rate: what the line starts with. An obsolete product is refused,
    naming what replaces it ("SKU-1 Sensor kit is obsolete since 3 March 2026: use SKU-2 Sensor
    kit v2."), and so is a product of no one, or of another organisation; both as a
    ValidationError on `product`, which the forms and the API show under that field."""
    product_id = getattr(product_id_or_instance, "pk", product_id_or_instance)
    product = (
        Product.objects.filter(organization=organization, pk=product_id)
        .select_related("tax_rate", "replaced_by")
        .prefetch_related(
            Prefetch(
                "prices",
                queryset=ProductPrice.objects.filter(organization=organization, currency=str(currency).upper()),
                to_attr="prices_in_currency",
            )
        )
        .first()
        if isinstance(product_id, int) and not isinstance(product_id, bool)
        else None
    )
    if product is None:
        raise ValidationError({"product": Product._meta.get_field("replaced_by").error_messages["invalid"]})
    if product.is_obsolete:
        replacement = _active_replacement(organization, product)
        values = {"product": f"{product.sku} {product.name}", "date": day_text(product.obsolete_on)}
        if replacement is None:
            message = _("%(product)s is obsolete since %(date)s, and no active product replaces it.") % values
        else:
            values["replacement"] = f"{replacement.sku} {replacement.name}"
            message = _("%(product)s is obsolete since %(date)s: use %(replacement)s.") % values
        raise ValidationError({"product": message}, code="obsolete")
    return NewLineProduct(product, next(iter(product.prices_in_currency), None))
