"""Writes for the catalogue: tax rates, categories, products, their prices per currency and
their lifecycle. Keyword-only and typed, validated by the models' `full_clean()`, atomic,
audited (a price or cost from what to what: money changes are in the trail).

What is left here is what no single row can say: who may change the catalogue (admins and
finance), that a product is made obsolete on a day that has come with an active product of
the same organisation to replace it, that a rate in use keeps its percentage (what was sold
with it keeps it too) and is retired rather than deleted, and the rates every organisation
starts with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Category, Product, ProductKind, ProductPrice, ProductStatus, TaxRate, Unit
from catalog.permissions import can_change_catalog
from catalog.tax_defaults import default_tax_rates
from config.errors import ApplicationError
from tenancy.models import Membership, Organization
from tenancy.services import (
    audit_changes,
    audit_created,
    audit_record,
    audit_snapshot,
    save_deciding_by_constraint,
)

# The fields the audit trail follows.
TAX_RATE_FIELDS = ["name", "rate", "is_exempt", "exemption_reason", "is_active"]
CATEGORY_FIELDS = ["name"]
PRODUCT_FIELDS = ["sku", "name", "description", "kind", "category", "unit", "tax_rate"]
LIFECYCLE_FIELDS = ["status", "obsolete_on", "replaced_by"]
PRICE_FIELDS = ["list_price", "unit_cost"]


class TaxRateChanges(TypedDict, total=False):
    name: str
    rate: Decimal
    is_exempt: bool
    exemption_reason: str
    is_active: bool


class CategoryChanges(TypedDict, total=False):
    name: str


class ProductChanges(TypedDict, total=False):
    sku: str
    name: str
    description: str
    kind: str
    category: Category | None
    unit: str
    tax_rate: TaxRate


class PriceValues(TypedDict, total=False):
    currency: str
    list_price: Decimal
    unit_cost: Decimal


def _refuse_unless_keeper(actor: Membership) -> None:
    if not can_change_catalog(actor):
        raise ApplicationError(
            _("Only admins and finance may change the catalogue."), code="permission_denied", status=403
        )


def _lock_and_apply[M: models.Model](
    organization: Organization, instance: M, changes: dict, allowed: type
) -> tuple[M, dict]:
    """The row locked for an update, with `changes` set on it (what is given changes; anything
    not in `allowed` is a caller's mistake), and its audited fields as they were before. A row
    of another organisation is not found (a 404)."""
    if unknown := set(changes) - set(allowed.__annotations__):
        raise TypeError(f"Unexpected changes: {', '.join(sorted(unknown))}")
    row = type(instance).objects.select_for_update().get(organization=organization, pk=instance.pk)
    before = audit_snapshot(row, [*allowed.__annotations__])
    for name, value in changes.items():
        setattr(row, name, value)
    return row, before


def _users(tax_rate: TaxRate) -> list[models.QuerySet]:
    """Every kind of row that points to `tax_rate` (products here; invoice lines in billing),
    found from the model's relations, so that an app added later is counted too."""
    return [
        relation.related_model._default_manager.filter(
            organization_id=tax_rate.organization_id, **{relation.field.name: tax_rate}
        )
        for relation in TaxRate._meta.related_objects
        if relation.one_to_many or relation.one_to_one
    ]


def _refuse_retiring_a_rate_active_products_use(tax_rate: TaxRate) -> None:
    count = Product.objects.filter(
        organization_id=tax_rate.organization_id, tax_rate=tax_rate, status=ProductStatus.ACTIVE
    ).count()
    if count:
        message = ngettext(
            "An active product is sold with this rate: give it another rate first.",
            "%(count)s active products are sold with this rate: give them another rate first.",
            count,
        ) % {"count": count}
        raise ApplicationError(message, {"is_active": message})


# --- Tax rates -----------------------------------------------------------------------------


def tax_rates_ensure_defaults(organization: Organization) -> list[TaxRate]:
    """Give `organization` the Spanish VAT rates it lacks (21 %, 10 %, 4 %, 0 % and exempt),
    named in its language; the ones it has, by rate (however renamed or retired), or by name,
    are left as they are. Returns those it created. Idempotent. The system does it (no actor):
    when an organisation is created (tenancy's organisation set-up), and by a migration for the
    ones that existed before. Runs inside the organisation's tenant scope."""
    rates = TaxRate.objects.filter(organization=organization)
    present = set(rates.values_list("rate", "is_exempt"))
    names = {name.lower() for name in rates.values_list("name", flat=True)}
    created = []
    with transaction.atomic():
        for values in default_tax_rates(organization.default_language):
            if (values["rate"], values["is_exempt"]) in present or values["name"].lower() in names:
                continue
            tax_rate = TaxRate(organization=organization, **values)
            tax_rate.full_clean()
            save_deciding_by_constraint(tax_rate, field="name")
            audit_created(
                organization=organization, actor=None, obj=tax_rate, fields=TAX_RATE_FIELDS, action="tax_rate.create"
            )
            created.append(tax_rate)
    return created


@transaction.atomic
def tax_rate_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    rate: Decimal,
    is_exempt: bool = False,
    exemption_reason: str = "",
) -> TaxRate:
    _refuse_unless_keeper(actor)
    tax_rate = TaxRate(
        organization=organization, name=name, rate=rate, is_exempt=is_exempt, exemption_reason=exemption_reason
    )
    tax_rate.full_clean()
    save_deciding_by_constraint(tax_rate, field="name")
    audit_created(
        organization=organization, actor=actor.user, obj=tax_rate, fields=TAX_RATE_FIELDS, action="tax_rate.create"
    )
    return tax_rate


@transaction.atomic
def tax_rate_update(
    *, organization: Organization, actor: Membership, tax_rate: TaxRate, **changes: Unpack[TaxRateChanges]
) -> TaxRate:
    """Rename a rate, change its exemption reason, retire it (`is_active` False) or bring it
    back. Its percentage, and whether it is exempt, change only while nothing uses it: what
    was sold with a rate keeps it (a new rate is added, and this one retired, instead)."""
    _refuse_unless_keeper(actor)
    tax_rate, before = _lock_and_apply(organization, tax_rate, changes, TaxRateChanges)
    tax_rate.full_clean()
    changes_rate = (tax_rate.rate, tax_rate.is_exempt) != (Decimal(before["rate"]), before["is_exempt"])
    if changes_rate and any(users.exists() for users in _users(tax_rate)):
        message = _("This rate is in use: add a new rate and retire this one, so that what was sold keeps its rate.")
        raise ApplicationError(message, {"rate": message})
    if before["is_active"] and not tax_rate.is_active:
        _refuse_retiring_a_rate_active_products_use(tax_rate)
    save_deciding_by_constraint(tax_rate, field="name")
    audit_changes(organization=organization, actor=actor.user, action="tax_rate.update", obj=tax_rate, before=before)
    return tax_rate


@transaction.atomic
def tax_rate_delete(*, organization: Organization, actor: Membership, tax_rate: TaxRate) -> TaxRate | None:
    """Delete a rate nothing uses; retire one that something uses (an obsolete product, an
    invoice line), so that it keeps its rate: then the retired rate comes back, else None. A
    rate active products are sold with is refused: they need another first."""
    _refuse_unless_keeper(actor)
    tax_rate = TaxRate.objects.select_for_update().get(organization=organization, pk=tax_rate.pk)
    _refuse_retiring_a_rate_active_products_use(tax_rate)
    try:
        with transaction.atomic():
            audit_record(
                organization=organization,
                actor=actor.user,
                action="tax_rate.delete",
                obj=tax_rate,
                changes={name: [value, None] for name, value in audit_snapshot(tax_rate, TAX_RATE_FIELDS).items()},
            )
            tax_rate.delete()
        return None
    except ProtectedError:
        pass
    if tax_rate.is_active:
        tax_rate.is_active = False
        tax_rate.save(update_fields=["is_active"])
        audit_record(
            organization=organization,
            actor=actor.user,
            action="tax_rate.update",
            obj=tax_rate,
            changes={"is_active": [True, False]},
        )
    return tax_rate


# --- Categories ----------------------------------------------------------------------------


@transaction.atomic
def category_create(*, organization: Organization, actor: Membership, name: str) -> Category:
    _refuse_unless_keeper(actor)
    category = Category(organization=organization, name=name)
    category.full_clean()
    save_deciding_by_constraint(category, field="name")
    audit_created(organization=organization, actor=actor.user, obj=category, fields=CATEGORY_FIELDS)
    return category


@transaction.atomic
def category_update(*, organization: Organization, actor: Membership, category: Category, name: str) -> Category:
    _refuse_unless_keeper(actor)
    category, before = _lock_and_apply(organization, category, {"name": name}, CategoryChanges)
    category.full_clean()
    save_deciding_by_constraint(category, field="name")
    audit_changes(organization=organization, actor=actor.user, action="category.update", obj=category, before=before)
    return category


@transaction.atomic
def category_delete(*, organization: Organization, actor: Membership, category: Category) -> None:
    """Delete a category no product is in."""
    _refuse_unless_keeper(actor)
    category = Category.objects.select_for_update().get(organization=organization, pk=category.pk)
    count = Product.objects.filter(organization=organization, category=category).count()
    if count:
        raise ApplicationError(
            ngettext(
                "A product is in this category: move it to another first.",
                "%(count)s products are in this category: move them to another first.",
                count,
            )
            % {"count": count}
        )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="category.delete",
        obj=category,
        changes={"name": [category.name, None]},
    )
    category.delete()


# --- Products ------------------------------------------------------------------------------


def _refuse_a_retired_rate(product: Product) -> None:
    """A product sold from now on is sold with a rate in use: a retired one is history."""
    if not TaxRate.objects.filter(
        organization_id=product.organization_id, pk=product.tax_rate_id, is_active=True
    ).exists():
        raise ValidationError(
            {"tax_rate": _("%(rate)s is retired: choose an active tax rate.") % {"rate": product.tax_rate}}
        )


@transaction.atomic
def product_create(
    *,
    organization: Organization,
    actor: Membership,
    sku: str,
    name: str,
    tax_rate: TaxRate,
    description: str = "",
    kind: str = ProductKind.PRODUCT,
    category: Category | None = None,
    unit: str = Unit.UNIT,
    prices: Iterable[PriceValues] = (),
) -> Product:
    """A new, active product, with its list prices and unit costs in the currencies of `prices`."""
    _refuse_unless_keeper(actor)
    product = Product(
        organization=organization,
        sku=sku,
        name=name,
        description=description,
        kind=kind,
        category=category,
        unit=unit,
        tax_rate=tax_rate,
    )
    _clean_with_prices(product, prices)
    _refuse_a_retired_rate(product)
    save_deciding_by_constraint(product, field="sku")
    audit_created(organization=organization, actor=actor.user, obj=product, fields=PRODUCT_FIELDS)
    for values in prices:
        product_price_set(organization=organization, actor=actor, product=product, **values)
    return product


def _clean_with_prices(product: Product, prices: Iterable[PriceValues]) -> None:
    """`full_clean()` of a new product and of its prices, every refusal at once (a form shows a
    taken SKU and a negative price together); a price's currency taken twice is the
    constraint's to say when the prices are saved."""
    errors: dict = {}
    for row in [product] + [ProductPrice(organization=product.organization, **values) for values in prices]:
        try:
            row.full_clean(exclude=["product"] if row is not product else None, validate_constraints=row is product)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def product_update(
    *, organization: Organization, actor: Membership, product: Product, **changes: Unpack[ProductChanges]
) -> Product:
    """Change what is given (a category None: no category). Its status, prices and
    replacement have their own services."""
    _refuse_unless_keeper(actor)
    product, before = _lock_and_apply(organization, product, changes, ProductChanges)
    product.full_clean()
    if product.tax_rate_id != before["tax_rate"]:
        _refuse_a_retired_rate(product)
    save_deciding_by_constraint(product, field="sku")
    audit_changes(organization=organization, actor=actor.user, action="product.update", obj=product, before=before)
    return product


@transaction.atomic
def product_price_set(
    *,
    organization: Organization,
    actor: Membership,
    product: Product,
    currency: str,
    list_price: Decimal,
    unit_cost: Decimal | None = None,
) -> ProductPrice:
    """The product's list price, and unit cost (unchanged when None; 0 for a new currency), in
    `currency`: a new row for a currency it had no price in, else that row changed. Audited
    from what to what."""
    _refuse_unless_keeper(actor)
    product = Product.objects.get(organization=organization, pk=product.pk)
    currency = ProductPrice._meta.get_field("currency").to_python(currency)
    price = (
        ProductPrice.objects.select_for_update()
        .filter(organization=organization, product=product, currency=currency)
        .first()
    )
    if price is None:
        price = ProductPrice(organization=organization, product=product, currency=currency)
        before = dict.fromkeys(PRICE_FIELDS)
    else:
        before = audit_snapshot(price, PRICE_FIELDS)
    price.list_price = list_price
    if unit_cost is not None or price.pk is None:
        price.unit_cost = Decimal("0.00") if unit_cost is None else unit_cost
    price.full_clean()
    save_deciding_by_constraint(price, field="currency")
    audit_changes(organization=organization, actor=actor.user, action="product_price.set", obj=price, before=before)
    return price


def _refuse_a_replacement(organization: Organization, product: Product, replaced_by: Product | None) -> Product | None:
    """The replacement as the database has it now, or the refusal: of another organisation,
    the product itself, or obsolete itself."""
    if replaced_by is None:
        return None
    replacement = (
        Product.objects.filter(organization=organization, pk=replaced_by.pk).first()
        if replaced_by.organization_id == organization.pk
        else None
    )
    if replacement is None:
        raise ValidationError({"replaced_by": Product._meta.get_field("replaced_by").error_messages["invalid"]})
    if replacement.pk == product.pk:
        raise ValidationError({"replaced_by": _("A product cannot replace itself.")})
    if replacement.is_obsolete:
        raise ValidationError(
            {"replaced_by": _("%(product)s is obsolete itself: choose an active product.") % {"product": replacement}}
        )
    return replacement


@transaction.atomic
def product_make_obsolete(
    *,
    organization: Organization,
    actor: Membership,
    product: Product,
    replaced_by: Product | None,
    obsolete_on: date | None,
) -> Product:
    """No new line may use `product` from now on: it is obsolete since `obsolete_on` (today or
    earlier), replaced by `replaced_by` (an active product of the organisation) or by nothing.
    An obsolete product given another replacement or date keeps the latest."""
    _refuse_unless_keeper(actor)
    product = Product.objects.select_for_update().get(organization=organization, pk=product.pk)
    before = audit_snapshot(product, LIFECYCLE_FIELDS)
    if obsolete_on is None:
        raise ValidationError({"obsolete_on": _("Say since when it is obsolete.")})
    if obsolete_on > timezone.localdate():
        raise ValidationError({"obsolete_on": _("A product is obsolete since today or an earlier day.")})
    product.replaced_by = _refuse_a_replacement(organization, product, replaced_by)
    product.status = ProductStatus.OBSOLETE
    product.obsolete_on = obsolete_on
    product.full_clean()
    product.save()
    audit_changes(
        organization=organization, actor=actor.user, action="product.make_obsolete", obj=product, before=before
    )
    return product


@transaction.atomic
def product_reactivate(*, organization: Organization, actor: Membership, product: Product) -> Product:
    """Sell an obsolete product again: active, with no replacement and no date. Its tax rate
    must be in use still."""
    _refuse_unless_keeper(actor)
    product = Product.objects.select_for_update().get(organization=organization, pk=product.pk)
    if not product.is_obsolete:
        return product
    before = audit_snapshot(product, LIFECYCLE_FIELDS)
    _refuse_a_retired_rate(product)
    product.status, product.obsolete_on, product.replaced_by = ProductStatus.ACTIVE, None, None
    product.full_clean()
    product.save()
    audit_changes(organization=organization, actor=actor.user, action="product.reactivate", obj=product, before=before)
    return product
