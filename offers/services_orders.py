"""Orders' writes: a won offer's order, its planned deliveries, the deliveries made and the
client's receipts, and invoicing it through billing's services (billing knows nothing of
orders: offers call billing.services.invoice_create and keep the link, OrderInvoiceLine).

Each is atomic, permission-checked, `full_clean()`ed and audited. Whoever may work the offer
(offers.permissions.can_work_offer) plans and records deliveries and receipts; finance
(billing.permissions.can_create_invoice) invoices. Someone who cannot see the account is told
there is nothing there (404); someone who sees it but may not, 403.

Quantities are read again under a row lock on the order line (deliveries) or the order
(invoicing), so two people recording at once cannot deliver or invoice more than was ordered.
What is invoiced of a line is the quantity of its linked invoice lines (drafts included, so a
draft waiting for its issue is not invoiced twice) less what credit notes took back.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import permissions as billing_permissions
from billing.models import CreditNoteLine, Invoice, InvoiceLine
from catalog.models import TaxRate
from config.errors import ApplicationError
from offers import permissions
from offers.models import (
    Delivery,
    InvoiceBy,
    Offer,
    OfferLine,
    OfferRevision,
    Order,
    OrderInvoiceLine,
    OrderLine,
    PlannedDelivery,
)
from offers.services import _require
from tenancy.models import Membership, Organization
from tenancy.services import audit_created, audit_record

ZERO_QUANTITY = Decimal("0.000")
ORDER_FIELDS = ["offer", "account", "currency", "reference", "invoice_by"]
DELIVERY_FIELDS = ["order_line", "delivered_on", "quantity"]


def general_tax_rate(*, organization: Organization) -> TaxRate:
    """The organisation's general VAT rate: its highest active rate that is not exempt."""
    rate = (
        TaxRate.objects.filter(organization=organization, is_active=True, is_exempt=False)
        .order_by("-rate", "pk")
        .first()
    )
    if rate is None:
        raise ApplicationError(
            _("The organisation has no tax rate in use: add one before an offer with free-text lines is won."),
            code="no_tax_rate",
        )
    return rate


def _quantity_sum(queryset, column: str = "quantity") -> Decimal:
    return (queryset.aggregate(s=Sum(column))["s"] or ZERO_QUANTITY).quantize(Decimal("0.001"))


def _locked_line(organization: Organization, order_line: OrderLine) -> OrderLine:
    return (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order__offer__account", "order__offer__owner")
        .get(organization=organization, pk=order_line.pk)
    )


def _require_work(actor: Membership, offer: Offer) -> None:
    _require(
        permissions.can_work_offer(actor, offer),
        actor,
        offer.account,
        _("Only those who work the offer record its deliveries."),
    )


# --- The order --------------------------------------------------------------------------------------


@transaction.atomic
def order_create_from_offer(*, organization: Organization, actor: Membership, offer: Offer) -> Order:
    """The order of a won offer (called by offers.services.offer_win, in its transaction): the
    lines of its current (accepted) revision, each with a planned delivery of its whole quantity
    on today + its lead time. Invoiced by the delivered quantity unless changed."""
    _require_work(actor, offer)
    revision = OfferRevision.objects.get(organization=organization, offer=offer, number=offer.revision)
    offer_lines = list(
        OfferLine.objects.filter(organization=organization, revision=revision)
        .select_related("product__tax_rate")
        .order_by("position")
    )
    order = Order(
        organization=organization,
        offer=offer,
        account=offer.account,
        currency=offer.currency,
        reference=offer.number,
        invoice_by=InvoiceBy.DELIVERED,
        created_by=actor,
    )
    order.full_clean()
    order.save()
    general = None
    if any(line.product_id is None for line in offer_lines):
        general = general_tax_rate(organization=organization)
    today = timezone.localdate()
    lines = []
    for offer_line in offer_lines:
        line = OrderLine(
            organization=organization,
            order=order,
            position=offer_line.position,
            product=offer_line.product,
            description=offer_line.description,
            quantity=offer_line.quantity,
            unit_price=offer_line.unit_price,
            discount_percent=offer_line.discount_percent,
            net=offer_line.net,
            tax_rate=offer_line.product.tax_rate if offer_line.product_id else general,
            lead_time_days=offer_line.lead_time_days,
        )
        line.full_clean(exclude=["order"])
        lines.append(line)
    OrderLine.objects.bulk_create(lines)
    PlannedDelivery.objects.bulk_create(
        PlannedDelivery(
            organization=organization,
            order_line=line,
            planned_on=today + timedelta(days=line.lead_time_days),
            quantity=line.quantity,
        )
        for line in lines
    )
    audit_created(organization=organization, actor=actor.user, obj=order, fields=ORDER_FIELDS, action="order.create")
    return order


@transaction.atomic
def order_set_invoice_by(*, organization: Organization, actor: Membership, order: Order, invoice_by: str) -> Order:
    """Invoice the order by the ordered or the delivered quantity (finance decides)."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(organization=organization, pk=order.pk)
    )
    _require(
        billing_permissions.can_create_invoice(actor, order.account),
        actor,
        order.account,
        _("Only finance decides how an order is invoiced."),
    )
    before = order.invoice_by
    order.invoice_by = invoice_by
    order.full_clean()
    order.save(update_fields=["invoice_by"])
    if before != order.invoice_by:
        audit_record(
            organization=organization,
            actor=actor.user,
            action="order.invoice_by",
            obj=order,
            changes={"invoice_by": [before, order.invoice_by]},
        )
    return order


# --- Deliveries ------------------------------------------------------------------------------------


@transaction.atomic
def order_plan_delivery(
    *, organization: Organization, actor: Membership, order_line: OrderLine, planned_on: date, quantity: Decimal
) -> PlannedDelivery:
    """Plan one more delivery of a line: the line's planned deliveries never add up to more
    than its quantity."""
    line = _locked_line(organization, order_line)
    _require_work(actor, line.order.offer)
    planned = PlannedDelivery(organization=organization, order_line=line, planned_on=planned_on, quantity=quantity)
    planned.full_clean()
    already = _quantity_sum(PlannedDelivery.objects.filter(organization=organization, order_line=line))
    if already + planned.quantity > line.quantity:
        left = line.quantity - already
        raise ApplicationError(
            _("Line %(position)s (%(line)s) has %(left)s left to plan of the %(ordered)s ordered.")
            % {"position": line.position, "line": line.description, "left": left, "ordered": line.quantity},
            {"quantity": _("At most %(left)s.") % {"left": left}},
        )
    planned.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="order.plan_delivery",
        obj=line.order,
        changes={
            "planned_delivery": [None, {"line": line.pk, "on": planned_on.isoformat(), "quantity": str(quantity)}]
        },
    )
    return planned


@transaction.atomic
def delivery_record(
    *, organization: Organization, actor: Membership, order_line: OrderLine, delivered_on: date, quantity: Decimal
) -> Delivery:
    """A delivery made of a line, on its actual date: never more than ordered less delivered."""
    line = _locked_line(organization, order_line)
    _require_work(actor, line.order.offer)
    delivery = Delivery(
        organization=organization, order_line=line, delivered_on=delivered_on, quantity=quantity, recorded_by=actor
    )
    delivery.full_clean()
    if delivered_on > timezone.localdate():
        raise ApplicationError(
            _("A delivery is recorded when it was made: its date cannot be in the future."),
            {"delivered_on": _("Today or earlier.")},
        )
    delivered = _quantity_sum(Delivery.objects.filter(organization=organization, order_line=line))
    left = line.quantity - delivered
    if delivery.quantity > left:
        raise ApplicationError(
            _("You cannot deliver more than was ordered: %(left)s of line %(position)s (%(line)s) is left to deliver.")
            % {"left": left, "position": line.position, "line": line.description},
            {"quantity": _("At most %(left)s.") % {"left": left}},
        )
    delivery.save()
    audit_created(
        organization=organization, actor=actor.user, obj=delivery, fields=DELIVERY_FIELDS, action="delivery.record"
    )
    return delivery


@transaction.atomic
def delivery_confirm_receipt(
    *, organization: Organization, actor: Membership, delivery: Delivery, quantity: Decimal, received_on: date
) -> Delivery:
    """The client confirms receiving `quantity` more of a delivery (partial receipts allowed,
    never more than delivered in all)."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("order_line__order__offer__account", "order_line__order__offer__owner")
        .get(organization=organization, pk=delivery.pk)
    )
    _require_work(actor, delivery.order_line.order.offer)
    field = Delivery._meta.get_field("quantity")
    try:
        quantity = field.clean(quantity, delivery)
    except Exception as error:
        raise ApplicationError(_("Enter the quantity received."), {"quantity": " ".join(error.messages)}) from None
    left = delivery.quantity - delivery.received_quantity
    if quantity > left:
        raise ApplicationError(
            _("The client cannot receive more than was delivered: %(left)s of this delivery is left to receive.")
            % {"left": left},
            {"quantity": _("At most %(left)s.") % {"left": left}},
        )
    if received_on < delivery.delivered_on:
        raise ApplicationError(
            _("It was received on or after it was delivered (%(date)s).") % {"date": delivery.delivered_on},
            {"received_on": _("On or after the delivery.")},
        )
    before = [str(delivery.received_quantity), delivery.received_on.isoformat() if delivery.received_on else None]
    delivery.received_quantity += quantity
    delivery.received_on = received_on
    delivery.full_clean()
    delivery.save(update_fields=["received_quantity", "received_on"])
    audit_record(
        organization=organization,
        actor=actor.user,
        action="delivery.receipt",
        obj=delivery,
        changes={
            "received_quantity": [before[0], str(delivery.received_quantity)],
            "received_on": [before[1], received_on.isoformat()],
        },
    )
    return delivery


# --- Invoicing ---------------------------------------------------------------------------------------


def invoiceable_quantities(*, organization: Organization, order: Order) -> dict[int, Decimal]:
    """order line id → what may be invoiced of it now: ordered (or delivered, when the order is
    invoiced by delivery) less invoiced (drafts included) plus credited back. Four queries."""
    lines = {
        line.pk: line for line in OrderLine.objects.filter(organization=organization, order=order).order_by("position")
    }

    def by_line(queryset, line_column: str, column: str) -> dict[int, Decimal]:
        return dict(queryset.values(line_column).annotate(s=Sum(column)).values_list(line_column, "s").order_by())

    delivered = by_line(
        Delivery.objects.filter(organization=organization, order_line__order=order), "order_line", "quantity"
    )
    links = OrderInvoiceLine.objects.filter(organization=organization, order_line__order=order)
    invoiced = by_line(links, "order_line", "invoice_line__quantity")
    credited = by_line(
        CreditNoteLine.objects.filter(organization=organization, invoice_line__in=links.values("invoice_line")),
        "invoice_line",
        "quantity",
    )
    credited_by_line: dict[int, Decimal] = {}
    if credited:
        for order_line_id, invoice_line_id in links.filter(invoice_line__in=list(credited)).values_list(
            "order_line", "invoice_line"
        ):
            credited_by_line[order_line_id] = (
                credited_by_line.get(order_line_id, ZERO_QUANTITY) + credited[invoice_line_id]
            )
    result = {}
    for pk, line in lines.items():
        base = line.quantity if order.invoice_by == InvoiceBy.ORDERED else delivered.get(pk, ZERO_QUANTITY)
        net_invoiced = invoiced.get(pk, ZERO_QUANTITY) - credited_by_line.get(pk, ZERO_QUANTITY)
        result[pk] = (base - net_invoiced).quantize(Decimal("0.001"))
    return result


@transaction.atomic
def order_invoice(*, organization: Organization, actor: Membership, order: Order) -> Invoice:
    """One billing draft invoice for what the order may invoice now (a line per order line with
    something invoiceable), linked line by line; finance issues it in billing as usual."""
    from billing.services import invoice_create

    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(organization=organization, pk=order.pk)
    )
    _require(
        billing_permissions.can_create_invoice(actor, order.account),
        actor,
        order.account,
        _("Only finance invoices orders."),
    )
    invoiceable = invoiceable_quantities(organization=organization, order=order)
    lines = list(OrderLine.objects.filter(organization=organization, order=order).order_by("position"))
    to_invoice = [(line, invoiceable[line.pk]) for line in lines if invoiceable[line.pk] > 0]
    if not to_invoice:
        message = (
            _("Nothing to invoice: everything delivered is invoiced already.")
            if order.invoice_by == InvoiceBy.DELIVERED
            else _("Nothing to invoice: everything ordered is invoiced already.")
        )
        raise ApplicationError(message, code="nothing_to_invoice", status=409)
    invoice = invoice_create(
        organization=organization,
        actor=actor,
        account=order.account,
        currency=order.currency,
        notes=None,
        lines=[
            {
                "product": line.product,
                "description": f"{order.reference} · {line.description}"[:500],
                "quantity": quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "tax_rate": line.tax_rate,
            }
            for line, quantity in to_invoice
        ],
    )
    invoice_lines = list(InvoiceLine.objects.filter(organization=organization, invoice=invoice).order_by("position"))
    OrderInvoiceLine.objects.bulk_create(
        OrderInvoiceLine(organization=organization, order_line=line, invoice_line=invoice_line)
        for (line, _quantity), invoice_line in zip(to_invoice, invoice_lines, strict=True)
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="order.invoice",
        obj=order,
        changes={
            "invoice": [None, invoice.pk],
            "lines": [None, [{"order_line": line.pk, "quantity": str(q)} for line, q in to_invoice]],
        },
    )
    return invoice
