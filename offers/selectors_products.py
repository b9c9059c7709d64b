"""Reads of products that change (issue 13, point 6), for the accounts a person sees:

- an obsolete product's accounts to move: those with open offers of it (on the offer's current
  revision), open orders of it (ordered, not yet delivered in full) or purchases of it in the
  last 12 months (issued invoice lines, less what credit notes gave back);
- a launched product's accounts to tell: those that bought in its category in the last 12 months,
  and whether each was informed already (offers.models_products.ProductLaunchNotice).

Each list is one query, whatever its length: the accounts with their figures as correlated
subqueries, only over the accounts that have anything to do with the product."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import visible_accounts
from billing.models import CreditNoteLine, InvoiceLine, InvoiceStatus
from catalog.models import Product
from offers.models import OPEN, Delivery, OfferLine, OrderLine
from offers.models_products import ProductLaunchNotice
from tenancy.models import Membership, Organization

QUANTITY = DecimalField(max_digits=15, decimal_places=3)
MONEY = DecimalField(max_digits=16, decimal_places=2)
# A product launched this recently is "new": its page points to the accounts to tell.
LAUNCH_RECENT_DAYS = 180


def twelve_months_before(today: date) -> date:
    """The same day a year earlier (28 February for a 29th): purchases from then on count."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def product_for_page(*, organization: Organization, product_id: int) -> Product:
    """The product the page is about, with its category and replacement (Product.DoesNotExist,
    a 404, for another organisation's or no one's)."""
    return Product.objects.select_related("category", "replaced_by").get(organization=organization, pk=product_id)


def launched_on(product: Product) -> date:
    """When a product was launched. The catalogue keeps no launch date: a product is launched
    when it is added to the catalogue (its `created_at`)."""
    return timezone.localdate(product.created_at)


def is_recently_launched(product: Product, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return not product.is_obsolete and launched_on(product) >= today - timedelta(days=LAUNCH_RECENT_DAYS)


def _per_account(queryset: QuerySet, path: str, value, output_field) -> Coalesce:
    """`value` aggregated over `queryset`'s rows of the outer account (reached by `path`), 0
    when none: one correlated subquery."""
    return Coalesce(
        Subquery(
            queryset.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(v=value).values("v")[:1],
            output_field=output_field,
        ),
        Value(Decimal("0") if isinstance(output_field, DecimalField) else 0),
        output_field=output_field,
    )


# --- An obsolete product: the accounts to move to its successor ------------------------------


def _open_offer_lines(organization: Organization, product: Product) -> QuerySet[OfferLine]:
    return OfferLine.objects.filter(
        organization=organization,
        product=product,
        revision__offer__status__in=OPEN,
        revision__number=F("revision__offer__revision"),
    )


def _open_order_lines(organization: Organization, product: Product) -> QuerySet[OrderLine]:
    """The product's order lines not yet delivered in full, with what is left (`to_deliver`)."""
    delivered = Coalesce(
        Subquery(
            Delivery.objects.filter(organization=organization, order_line=OuterRef("pk"))
            .order_by()
            .values("order_line")
            .annotate(s=Sum("quantity"))
            .values("s")[:1],
            output_field=QUANTITY,
        ),
        Value(Decimal("0")),
        output_field=QUANTITY,
    )
    return (
        OrderLine.objects.filter(organization=organization, product=product)
        .annotate(delivered=delivered)
        .filter(quantity__gt=F("delivered"))
        .annotate(to_deliver=F("quantity") - F("delivered"))
    )


def _issued_lines(organization: Organization, since: date | None = None, **product) -> QuerySet[InvoiceLine]:
    lines = InvoiceLine.objects.filter(organization=organization, invoice__status=InvoiceStatus.ISSUED, **product)
    return lines if since is None else lines.filter(invoice__issue_date__gte=since)


def _credited(organization: Organization, since: date, **product) -> QuerySet[CreditNoteLine]:
    """Credit notes' lines of the issued invoice lines since `since` (an account's purchases of
    the period less what was given back of them)."""
    prefixed = {f"invoice_line__{name}": value for name, value in product.items()}
    return CreditNoteLine.objects.filter(
        organization=organization,
        invoice_line__invoice__status=InvoiceStatus.ISSUED,
        invoice_line__invoice__issue_date__gte=since,
        **prefixed,
    )


def obsolete_product_accounts(
    *,
    organization: Organization,
    membership: Membership,
    product: Product,
    successor: Product | None = None,
    today: date | None = None,
) -> QuerySet[Account]:
    """The accounts the person sees with open offers, open orders or purchases in the last 12
    months of `product`, by name, each with:

    `open_offers` (how many open offers have it on their current revision),
    `open_order_quantity` (ordered, not yet delivered), `last_purchase` (the issue date of the
    latest issued invoice with it), `quantity_12m` and `amount_12m` (bought in the last 12 months
    less credited, net of tax, in the account's currency); with a `successor`, `successor_offer`:
    the number of the newest open offer that has it already (a replacement drafted before)."""
    since = twelve_months_before(today or timezone.localdate())
    offer_lines = _open_offer_lines(organization, product)
    order_lines = _open_order_lines(organization, product)
    bought = _issued_lines(organization, since, product=product)
    credited = _credited(organization, since, product=product)
    purchases = _issued_lines(organization, product=product)
    # Which accounts, as three sets of ids (hashed once), not as conditions on the figures below:
    # those are computed for the rows shown only, unless the list is sorted by one of them. A
    # purchase counts unless credited in full; an order line, unless delivered in full (both
    # read as the few lines that are, grouped, rather than a sum for every line).
    credited_in_full = (
        credited.order_by()
        .values("invoice_line", "invoice_line__quantity")
        .annotate(s=Sum("quantity"))
        .filter(s__gte=F("invoice_line__quantity"))
        .values("invoice_line")
    )
    delivered_in_full = (
        Delivery.objects.filter(organization=organization, order_line__product=product)
        .order_by()
        .values("order_line", "order_line__quantity")
        .annotate(s=Sum("quantity"))
        .filter(s__gte=F("order_line__quantity"))
        .values("order_line")
    )
    kept = bought.exclude(pk__in=credited_in_full)
    waiting = OrderLine.objects.filter(organization=organization, product=product).exclude(pk__in=delivered_in_full)
    concerned = (
        Q(pk__in=offer_lines.values("revision__offer__account"))
        | Q(pk__in=waiting.values("order__account"))
        | Q(pk__in=kept.values("invoice__account"))
    )
    accounts = visible_accounts(organization=organization, membership=membership)
    if successor is not None:
        offered = (
            _open_offer_lines(organization, successor)
            .filter(revision__offer__account=OuterRef("pk"))
            .order_by("-revision__offer__created_at", "-revision__offer_id")
        )
        accounts = accounts.annotate(successor_offer=Subquery(offered.values("revision__offer__number")[:1]))
    return (
        accounts.filter(concerned)
        .select_related("client", "owner__user")
        .annotate(
            open_offers=_per_account(
                offer_lines, "revision__offer__account", Count("revision__offer", distinct=True), IntegerField()
            ),
            open_order_quantity=_per_account(order_lines, "order__account", Sum("to_deliver"), QUANTITY),
            last_purchase=_per_account_date(purchases),
            quantity_12m=_per_account(bought, "invoice__account", Sum("quantity"), QUANTITY)
            - _per_account(credited, "invoice_line__invoice__account", Sum("quantity"), QUANTITY),
            amount_12m=_per_account(bought, "invoice__account", Sum("net"), MONEY)
            - _per_account(credited, "invoice_line__invoice__account", Sum("net"), MONEY),
        )
        .order_by("name", "id")
    )


def replacement_account(
    *, organization: Organization, membership: Membership, product: Product, account: Account
) -> Account | None:
    """`account` as a row of obsolete_product_accounts (None when it is not one), with what a
    replacement offer takes its quantity from: `offer_quantity` (the old product's quantity on
    the newest open offer) and `last_purchase_quantity` (on the latest issued invoice)."""
    newest_offer_line = (
        _open_offer_lines(organization, product)
        .filter(revision__offer__account=OuterRef("pk"))
        .order_by("-revision__offer__created_at", "-revision__offer_id", "position")
    )
    newest_purchase = (
        _issued_lines(organization, product=product)
        .filter(invoice__account=OuterRef("pk"))
        .order_by("-invoice__issue_date", "-invoice_id", "position")
    )
    return (
        obsolete_product_accounts(organization=organization, membership=membership, product=product)
        .filter(pk=account.pk)
        .annotate(
            offer_quantity=Subquery(newest_offer_line.values("quantity")[:1], output_field=QUANTITY),
            last_purchase_quantity=Subquery(newest_purchase.values("quantity")[:1], output_field=QUANTITY),
        )
        .first()
    )


def replacement_quantity(account: Account) -> Decimal:
    """How many of the successor a replacement offer proposes to an account of
    replacement_account: what its newest open offer has of the old product, else what its open
    orders still wait for, else its last purchase, else one."""
    for quantity in (account.offer_quantity, account.open_order_quantity, account.last_purchase_quantity):
        if quantity:
            return quantity
    return Decimal("1")


# --- A launched product: the accounts to tell ------------------------------------------------


def launch_accounts(
    *, organization: Organization, membership: Membership, product: Product, today: date | None = None
) -> QuerySet[Account]:
    """The accounts the person sees that bought in `product`'s category in the last 12 months
    (none for a product without a category), by name, each with `category_amount_12m` (bought
    less credited, net of tax, in the account's currency), `last_category_purchase`,
    `informed_at` and `informed_by_name` (None until someone told them of this launch)."""
    if product.category_id is None:
        return Account.objects.none()
    since = twelve_months_before(today or timezone.localdate())
    in_category = {"product__category_id": product.category_id}
    bought = _issued_lines(organization, since, **in_category)
    credited = _credited(organization, since, **in_category)
    notices = ProductLaunchNotice.objects.filter(organization=organization, product=product, account=OuterRef("pk"))
    return (
        visible_accounts(organization=organization, membership=membership)
        .filter(pk__in=bought.values("invoice__account"))
        .select_related("client", "owner__user")
        .annotate(
            category_amount_12m=_per_account(bought, "invoice__account", Sum("net"), MONEY)
            - _per_account(credited, "invoice_line__invoice__account", Sum("net"), MONEY),
            last_category_purchase=_per_account_date(bought),
            is_informed=Exists(notices),
            informed_at=Subquery(notices.values("informed_at")[:1]),
            informed_by_name=Subquery(notices.values("informed_by__user__full_name")[:1]),
        )
        .order_by("name", "id")
    )


def _per_account_date(lines: QuerySet[InvoiceLine]) -> Subquery:
    return Subquery(
        lines.filter(invoice__account=OuterRef("pk"))
        .order_by()
        .values("invoice__account")
        .annotate(d=Max("invoice__issue_date"))
        .values("d")[:1]
    )


def launch_notice_of(*, organization: Organization, product: Product, account: Account) -> ProductLaunchNotice | None:
    return (
        ProductLaunchNotice.objects.filter(organization=organization, product=product, account=account)
        .select_related("informed_by__user")
        .first()
    )


# --- The catalogue's product page -----------------------------------------------------------


def product_page_card(*, organization: Organization, membership: Membership, product: Product) -> dict | None:
    """The card offers adds to a product's page (catalog's `product_page_card` hook), without a
    query: an obsolete product points to its accounts to move, a recently launched one to the
    accounts to tell (an older active one too, less loudly)."""
    return {
        "template": "offers/product_card.html",
        "product": product,
        "launched_on": launched_on(product),
        "is_recent": is_recently_launched(product),
        "has_category": product.category_id is not None,
    }
