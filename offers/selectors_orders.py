"""Orders' reads: an order with its lines, planned and recorded deliveries, and the billing
check, line by line: ordered, delivered, received, invoiced (the quantities of its linked lines
on issued invoices), credited (credit notes' quantities of those invoice lines), and each
difference in words. Set-based: a fixed number of queries for any number of lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import visible_accounts
from billing.models import CreditNoteLine, InvoiceStatus
from billing.totals import ZERO, line_net, tax_on
from offers.models import Delivery, Order, OrderInvoiceLine, OrderLine, PlannedDelivery
from tenancy.models import Membership, Organization

QUANTITY = DecimalField(max_digits=15, decimal_places=3)
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO_QUANTITY = Decimal("0.000")
NOTHING = Value(Decimal("0"), output_field=QUANTITY)


class Difference(TextChoices):
    """The ways an order line's numbers can disagree (finance's list filters by them), and
    its credits, which finance looks at too."""

    DELIVERED_NOT_INVOICED = "delivered_not_invoiced", gettext_lazy("Delivered, not invoiced")
    INVOICED_NOT_DELIVERED = "invoiced_not_delivered", gettext_lazy("Invoiced, not delivered")
    NOT_RECEIVED = "not_received", gettext_lazy("Delivered, not received")
    CREDITED = "credited", gettext_lazy("Credited")


# Each kind as a condition on order_lines_checked's annotations (invoiced less credited is
# what is invoiced in the end). Said once: the list, its filter and its export use these.
DIFFERENCE_CONDITIONS = {
    Difference.DELIVERED_NOT_INVOICED: Q(delivered__gt=F("invoiced") - F("credited")),
    Difference.INVOICED_NOT_DELIVERED: Q(delivered__lt=F("invoiced") - F("credited")),
    Difference.NOT_RECEIVED: Q(received__lt=F("delivered")),
    Difference.CREDITED: Q(credited__gt=0),
}


def _sum(queryset: QuerySet, column: str, line=None) -> Coalesce:
    """The sum of `column` over `queryset`'s rows of the outer order line, 0 when none."""
    return Coalesce(
        Subquery(
            queryset.filter(order_line=OuterRef("pk") if line is None else line)
            .order_by()
            .values("order_line")
            .annotate(s=Sum(column))
            .values("s")[:1],
            output_field=QUANTITY,
        ),
        NOTHING,
        output_field=QUANTITY,
    )


def order_lines_checked(*, organization: Organization) -> QuerySet[OrderLine]:
    """Order lines with `delivered`, `received`, `invoiced`, `credited` annotated (one query)."""
    deliveries = Delivery.objects.filter(organization=organization)
    issued = OrderInvoiceLine.objects.filter(
        organization=organization, invoice_line__invoice__status=InvoiceStatus.ISSUED
    )
    credited = Coalesce(
        Subquery(
            CreditNoteLine.objects.filter(
                organization=organization,
                invoice_line__in=issued.filter(order_line=OuterRef(OuterRef("pk"))).values("invoice_line"),
            )
            .order_by()
            .values("organization")
            .annotate(s=Sum("quantity"))
            .values("s")[:1],
            output_field=QUANTITY,
        ),
        NOTHING,
        output_field=QUANTITY,
    )
    return OrderLine.objects.filter(organization=organization).annotate(
        delivered=_sum(deliveries, "quantity"),
        received=_sum(deliveries, "received_quantity"),
        invoiced=_sum(issued, "invoice_line__quantity"),
        credited=credited,
    )


def planned_deliveries_checked(*, organization: Organization, today: date) -> QuerySet[PlannedDelivery]:
    """Planned deliveries with `late` annotated: how much of each is past its date and not
    delivered. A line's deliveries fill its planned deliveries in date order (the first
    planned is the first delivered), so a planned delivery is late by what its line's
    deliveries leave of it: min(its quantity, planned up to and including it − delivered),
    when its date has passed. One query (a window over the line's plans)."""
    planned_so_far = Window(Sum("quantity"), partition_by=[F("order_line_id")], order_by=[F("planned_on"), F("id")])
    delivered = _sum(Delivery.objects.filter(organization=organization), "quantity", line=OuterRef("order_line_id"))
    return PlannedDelivery.objects.filter(organization=organization).annotate(
        late=Case(
            When(
                planned_on__lt=today,
                then=Greatest(Least(F("quantity"), planned_so_far - delivered, output_field=QUANTITY), NOTHING),
            ),
            default=NOTHING,
            output_field=QUANTITY,
        )
    )


@dataclass(frozen=True)
class LineCheck:
    line: OrderLine
    ordered: Decimal
    delivered: Decimal
    received: Decimal
    invoiced: Decimal
    credited: Decimal

    @property
    def net_invoiced(self) -> Decimal:
        """Invoiced less what credit notes took back."""
        return self.invoiced - self.credited

    @property
    def left_to_plan(self) -> Decimal:
        """Ordered less planned (order_check's lines only: it reads their planned deliveries)."""
        return self.ordered - sum((planned.quantity for planned in self.line.planned), ZERO_QUANTITY)

    @property
    def late(self) -> Decimal:
        """What of the line's planned deliveries is past its date and not delivered (order_check's)."""
        return sum((planned.late for planned in self.line.planned), ZERO_QUANTITY)

    @property
    def difference_items(self) -> list[tuple[str, Decimal]]:
        """(Difference, quantity) for each way the line's numbers disagree (never CREDITED:
        a credit is a fact of the line, not a difference of it)."""
        items = []
        if self.delivered > self.net_invoiced:
            items.append((Difference.DELIVERED_NOT_INVOICED.value, self.delivered - self.net_invoiced))
        if self.net_invoiced > self.delivered:
            items.append((Difference.INVOICED_NOT_DELIVERED.value, self.net_invoiced - self.delivered))
        if self.received < self.delivered:
            items.append((Difference.NOT_RECEIVED.value, self.delivered - self.received))
        return items

    @property
    def differences(self) -> list[str]:
        return [difference_text(kind, quantity) for kind, quantity in self.difference_items]


def difference_text(kind: str, quantity: Decimal) -> str:
    """A difference in words, in the active language: "delivered, not invoiced: 3"."""
    said = {
        Difference.DELIVERED_NOT_INVOICED: _("delivered, not invoiced: %(q)s"),
        Difference.INVOICED_NOT_DELIVERED: _("invoiced, not delivered: %(q)s"),
        Difference.NOT_RECEIVED: _("delivered, not received: %(q)s"),
    }[kind]
    return said % {"q": _plain(quantity)}


def _plain(quantity: Decimal) -> str:
    """2.000 → 2, 1.500 → 1.5."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def line_check(line: OrderLine) -> LineCheck:
    """An order line of order_lines_checked, its numbers to three decimals."""
    q = Decimal("0.001")
    return LineCheck(
        line=line,
        ordered=line.quantity,
        delivered=line.delivered.quantize(q),
        received=line.received.quantize(q),
        invoiced=line.invoiced.quantize(q),
        credited=line.credited.quantize(q),
    )


def order_check(*, organization: Organization, order: Order, today: date | None = None) -> list[LineCheck]:
    """The billing check of one order, line by line, with each line's planned deliveries (each
    with what is `late` of it on `today`, by default the local date) and deliveries (`planned`,
    `recorded`): three queries."""
    today = today or timezone.localdate()
    lines = (
        order_lines_checked(organization=organization)
        .filter(order=order)
        .select_related("product")
        .prefetch_related(
            Prefetch(
                "planned_deliveries",
                planned_deliveries_checked(organization=organization, today=today).order_by("planned_on", "id"),
                to_attr="planned",
            ),
            Prefetch(
                "deliveries",
                Delivery.objects.filter(organization=organization).order_by("delivered_on", "id"),
                to_attr="recorded",
            ),
        )
        .order_by("position")
    )
    return [line_check(line) for line in lines]


def _to_invoice(rows) -> dict:
    """{key: net + tax} of (key, ordered, invoiced, credited, unit price, discount %, tax %)
    rows: each line's quantity not yet invoiced (never below 0) valued as billing values it,
    the line's net half-up to the cent and the tax per rate on the sum of those nets."""
    nets: dict[tuple, Decimal] = {}
    for key, ordered, invoiced, credited, unit_price, discount, rate in rows:
        open_quantity = max(ordered - (invoiced - credited), ZERO_QUANTITY)
        nets[key, rate] = nets.get((key, rate), ZERO) + line_net(open_quantity, unit_price, discount)
    amounts: dict = {}
    for (key, rate), net in nets.items():
        amounts[key] = amounts.get(key, ZERO) + net + tax_on(net, rate)
    return amounts


def open_orders_amounts(*, organization: Organization, account_ids) -> dict[int, Decimal]:
    """{account id: what its orders will still invoice} for the accounts among `account_ids`
    (0 for one with nothing open), in each order's currency (an account's): the quantity of
    each order line not yet invoiced (ordered less invoiced on issued invoices, plus what
    credit notes took back; drafts are not in the ledger yet, so they still count here),
    valued as billing values it (_to_invoice). One query: the open lines come back, the sums
    are Decimal."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    rows = (
        order_lines_checked(organization=organization)
        .filter(order__account__in=ids, quantity__gt=F("invoiced") - F("credited"))
        .values_list(
            "order__account", "quantity", "invoiced", "credited", "unit_price", "discount_percent", "tax_rate__rate"
        )
        .order_by()
    )
    return dict.fromkeys(ids, ZERO) | _to_invoice(rows)


@dataclass(frozen=True)
class OpenOrder:
    order_id: int
    offer_id: int
    reference: str
    currency: str
    to_invoice: Decimal  # with tax
    to_deliver: Decimal  # quantity, all lines


@dataclass(frozen=True)
class LateDelivery:
    offer_id: int
    reference: str
    position: int
    description: str
    planned_on: date
    late: Decimal


@dataclass(frozen=True)
class AccountOrders:
    """An account's open orders (something left to deliver or to invoice), newest first, and
    its late deliveries, oldest first, for its page."""

    open_orders: list[OpenOrder]
    late_deliveries: list[LateDelivery]


def account_orders_summary(*, organization: Organization, account_ids, today: date) -> dict[int, AccountOrders]:
    """{account id: AccountOrders} for the account page (offers.selectors.account_offers_summary,
    its hook): two queries whatever the number of orders and lines."""
    ids = sorted(set(account_ids))
    rows = list(
        order_lines_checked(organization=organization)
        .filter(order__account__in=ids)
        .filter(Q(quantity__gt=F("invoiced") - F("credited")) | Q(quantity__gt=F("delivered")))
        .values_list(
            "order__account",
            "order",
            "order__offer",
            "order__reference",
            "order__currency",
            "quantity",
            "delivered",
            "invoiced",
            "credited",
            "unit_price",
            "discount_percent",
            "tax_rate__rate",
        )
        .order_by("-order__created_at", "-order", "position")
    )
    to_invoice = _to_invoice((row[1], *row[5:6], *row[7:]) for row in rows)
    orders: dict[int, dict[int, OpenOrder]] = {pk: {} for pk in ids}
    for account_id, order_id, offer_id, reference, currency, ordered, delivered, *_rest in rows:
        known = orders[account_id].get(order_id)
        to_deliver = max(ordered - delivered, ZERO_QUANTITY) + (known.to_deliver if known else ZERO_QUANTITY)
        orders[account_id][order_id] = OpenOrder(
            order_id, offer_id, reference, currency, to_invoice.get(order_id, ZERO), to_deliver
        )
    late: dict[int, list[LateDelivery]] = {pk: [] for pk in ids}
    for account_id, *fields in (
        planned_deliveries_checked(organization=organization, today=today)
        .filter(order_line__order__account__in=ids, planned_on__lt=today, late__gt=0)
        .values_list(
            "order_line__order__account",
            "order_line__order__offer",
            "order_line__order__reference",
            "order_line__position",
            "order_line__description",
            "planned_on",
            "late",
        )
        .order_by("planned_on", "id")
    ):
        late[account_id].append(LateDelivery(*fields))
    return {pk: AccountOrders(list(orders[pk].values()), late[pk]) for pk in ids}


def order_of_offer(*, organization: Organization, offer) -> Order | None:
    return Order.objects.filter(organization=organization, offer=offer).first()


def order_differences(*, organization: Organization, membership: Membership) -> QuerySet[OrderLine]:
    """For finance: every order line, of the accounts the person sees, whose delivered and
    invoiced (less credited) quantities differ, whose delivery the client has not received in
    full, or that a credit note credited; oldest order first. One query."""
    accounts = visible_accounts(organization=organization, membership=membership).values("pk")
    disagree = Q()
    for condition in DIFFERENCE_CONDITIONS.values():
        disagree |= condition
    return (
        order_lines_checked(organization=organization)
        .filter(order__account__in=accounts)
        .filter(disagree)
        .select_related("order__account__client", "order__offer")
        .order_by(*CHECK_ORDER)
    )


CHECK_ORDER = ("order__created_at", "order_id", "position")


def order_list(*, organization: Organization, membership: Membership) -> QuerySet[Order]:
    """The orders of the accounts the person sees, newest first, with their account, client and
    offer, and `net_total` (the sum of their lines' nets). One query."""
    accounts = visible_accounts(organization=organization, membership=membership).values("pk")
    net = (
        OrderLine.objects.filter(organization=organization, order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(s=Sum("net"))
        .values("s")[:1]
    )
    return (
        Order.objects.filter(organization=organization, account__in=accounts)
        .select_related("account__client", "offer")
        .annotate(net_total=Coalesce(Subquery(net, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY))
        .order_by("-created_at", "-id")
    )


def order_get(*, organization: Organization, membership: Membership, order_id: int) -> Order:
    """One order the person may see (Order.DoesNotExist, a 404, otherwise) with `checks`, its
    lines' billing check with their planned deliveries and deliveries: four queries."""
    order = order_list(organization=organization, membership=membership).get(pk=order_id)
    order.checks = order_check(organization=organization, order=order)
    return order


def differences_page(lines) -> list[LineCheck]:
    return [line_check(line) for line in lines]
