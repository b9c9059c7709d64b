"""Demo offers for `make run`: for each demo organisation, a pipeline of about a dozen offers
by its account executives, at every stage, some over finance's risk policy (a discount, an
account near its credit limit), made through the services as people would. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random

from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductPrice, ProductStatus
from offers import services
from offers.models import Offer, OfferStatus
from tenancy.models import Membership, Organization

TITLES = [
    "Sensor roll-out, phase 1",
    "Warehouse gateways",
    "Maintenance contract renewal",
    "Pilot for the new plant",
    "Spare parts for the year",
    "Line upgrade",
    "Installation and training",
    "Second site",
    "Replacement of the old kits",
    "Monitoring for the fleet",
    "Extension of the pilot",
    "Annual supplies",
]
# What happens to each offer, in order: where it ends, and the discount of its first line.
PLAN = [
    ("draft", "5"),
    ("draft", "0"),
    ("submitted", "25"),
    ("approved", "5"),
    ("sent", "10"),
    ("negotiation", "8"),
    ("won", "5"),
    ("won", "0"),
    ("lost", "12"),
    ("withdrawn", "0"),
    ("sent", "0"),
    ("approved", "0"),
]


def seed_offers(organization: Organization, memberships: dict[str, Membership], rng: Random) -> dict[str, int] | None:
    """A pipeline for the demo organisation; None when it has offers already or no catalogue.
    Runs inside the caller's transaction and tenant scope."""
    if Offer.objects.filter(organization=organization).exists():
        return None
    rng = Random(f"accountdesk-demo-offers-{organization.slug}")
    ae, lead = memberships["ae"], memberships["lead"]
    accounts = list(Account.objects.filter(organization=organization, owner=ae).order_by("name", "id")[: len(PLAN)])
    priced = list(
        ProductPrice.objects.filter(organization=organization, product__status=ProductStatus.ACTIVE)
        .select_related("product")
        .order_by("product__sku", "currency")
    )
    if not accounts or not priced:
        return None
    today = timezone.localdate()
    counts: dict[str, int] = {}
    for index, ((ends, discount), account) in enumerate(zip(PLAN, accounts * 2, strict=False)):
        in_currency = [p for p in priced if p.currency == account.currency] or priced
        first, second = rng.sample(in_currency, 2) if len(in_currency) > 1 else (in_currency[0], in_currency[0])
        lines = [
            _line(first.product, account, first, rng.choice([1, 2, 3, 5]), Decimal(discount)),
            _line(second.product, account, second, rng.choice([1, 2]), Decimal("0")),
        ]
        offer = services.offer_create(
            organization=organization,
            actor=ae,
            account=account,
            title=TITLES[index % len(TITLES)],
            valid_until=today + timedelta(days=20 + 5 * index),
            expected_close=today + timedelta(days=10 + 4 * index),
            value_proposition="",
            lines=lines,
        )
        _advance(organization, offer, ends, ae, lead, memberships["finance"])
        counts[ends] = counts.get(ends, 0) + 1
    return {f"{status} offers": n for status, n in sorted(counts.items())}


def _line(product: Product, account: Account, price: ProductPrice, quantity: int, discount: Decimal) -> dict:
    line = {"product": product, "quantity": Decimal(quantity), "discount_percent": discount}
    if price.currency != account.currency:  # no price in the account's currency: a free-text line
        line = {"description": product.name, "quantity": Decimal(quantity), "unit_price": price.list_price}
        line["discount_percent"] = discount
    return line


def _advance(organization, offer, ends: str, ae, lead, finance) -> None:
    if ends == OfferStatus.DRAFT:
        return
    if ends == OfferStatus.WITHDRAWN:
        services.offer_withdraw(organization=organization, actor=ae, offer=offer)
        return
    offer = services.offer_submit(organization=organization, actor=ae, offer=offer)
    if ends == OfferStatus.SUBMITTED:
        return
    for kind in services.approvals_needed(offer):
        approver = lead if kind == "commercial" else finance
        services.offer_decide(
            organization=organization,
            actor=approver,
            offer=offer,
            kind=kind,
            decision="approved",
            grade_seen=offer.grade,
        )
        offer.refresh_from_db()
    if offer.status != OfferStatus.APPROVED or ends == OfferStatus.APPROVED:
        return
    services.offer_send(organization=organization, actor=ae, offer=offer)
    if ends == OfferStatus.NEGOTIATION:
        services.offer_revise(organization=organization, actor=ae, offer=offer)
    elif ends == OfferStatus.WON:
        services.offer_win(organization=organization, actor=ae, offer=offer)
        _deliver(organization, offer, ae, finance)
    elif ends == OfferStatus.LOST:
        services.offer_lose(organization=organization, actor=ae, offer=offer, reason="Price", lost_to="A competitor")


def _deliver(organization, offer, ae, finance) -> None:
    """The order of a won offer under way: its first line partly delivered (yesterday), and, on
    the second won offer, what was delivered invoiced, so that the order card and finance's
    billing check have something to say."""
    from offers import services_orders
    from offers.models import Order, OrderLine

    order = Order.objects.get(organization=organization, offer=offer)
    first = OrderLine.objects.filter(organization=organization, order=order).order_by("position").first()
    delivered = max(Decimal("1"), (first.quantity / 2).quantize(Decimal("1")))
    services_orders.delivery_record(
        organization=organization,
        actor=ae,
        order_line=first,
        delivered_on=timezone.localdate() - timedelta(days=1),
        quantity=delivered,
    )
    if Order.objects.filter(organization=organization).count() > 1:
        from billing.services import invoice_issue

        invoice = services_orders.order_invoice(organization=organization, actor=finance, order=order)
        invoice_issue(organization=organization, actor=finance, invoice=invoice)
