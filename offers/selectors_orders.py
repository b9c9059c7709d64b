"""Orders' reads: an order with its lines, planned and recorded deliveries, and the billing
check, line by line: ordered, delivered, received, invoiced (the quantities of its linked lines
on issued invoices), credited (credit notes' quantities of those invoice lines), and each
difference in words. Set-based: a fixed number of queries for any number of lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import visible_accounts
from billing.models import CreditNoteLine, InvoiceStatus
from billing.totals import ZERO, line_net, tax_on
from offers.models import Delivery, Order, OrderInvoiceLine, OrderLine, PlannedDelivery
from tenancy.models import Membership, Organization

QUANTITY = DecimalField(max_digits=15, decimal_places=3)
ZERO_QUANTITY = Decimal("0.000")
NOTHING = Value(Decimal("0"), output_field=QUANTITY)


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
    def differences(self) -> list[str]:
        said = []
        if self.delivered > self.net_invoiced:
            said.append(_("delivered, not invoiced: %(q)s") % {"q": _plain(self.delivered - self.net_invoiced)})
        if self.net_invoiced > self.delivered:
            said.append(_("invoiced, not delivered: %(q)s") % {"q": _plain(self.net_invoiced - self.delivered)})
        if self.received < self.delivered:
            said.append(_("delivered, not received: %(q)s") % {"q": _plain(self.delivered - self.received)})
        return said


def _plain(quantity: Decimal) -> str:
    """2.000 → 2, 1.500 → 1.5."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _checked(line: OrderLine) -> LineCheck:
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
    return [_checked(line) for line in lines]


def open_orders_amounts(*, organization: Organization, account_ids) -> dict[int, Decimal]:
    """{account id: what its orders will still invoice} for the accounts among `account_ids`
    (0 for one with nothing open), in each order's currency (an account's): the quantity of
    each order line not yet invoiced (ordered less invoiced on issued invoices, plus what
    credit notes took back; drafts are not in the ledger yet, so they still count here),
    valued as billing values it: the line's net half-up to the cent, the tax per rate on the
    sum of those nets, net + tax. One query: the open lines come back, the sums are Decimal."""
    ids = sorted(set(account_ids))
    amounts = dict.fromkeys(ids, ZERO)
    if not ids:
        return amounts
    rows = (
        order_lines_checked(organization=organization)
        .filter(order__account__in=ids, quantity__gt=F("invoiced") - F("credited"))
        .values_list(
            "order__account", "quantity", "invoiced", "credited", "unit_price", "discount_percent", "tax_rate__rate"
        )
        .order_by()
    )
    nets: dict[tuple[int, Decimal], Decimal] = {}
    for account_id, ordered, invoiced, credited, unit_price, discount, rate in rows:
        open_quantity = ordered - (invoiced - credited)
        key = (account_id, rate)
        nets[key] = nets.get(key, ZERO) + line_net(open_quantity, unit_price, discount)
    for (account_id, rate), net in nets.items():
        amounts[account_id] += net + tax_on(net, rate)
    return amounts


def order_of_offer(*, organization: Organization, offer) -> Order | None:
    return Order.objects.filter(organization=organization, offer=offer).first()


def order_differences(*, organization: Organization, membership: Membership) -> QuerySet[OrderLine]:
    """For finance: every order line, of the accounts the person sees, whose delivered and
    invoiced (less credited) quantities differ, or whose delivery the client has not received
    in full; oldest order first. One query."""
    accounts = visible_accounts(organization=organization, membership=membership).values("pk")
    return (
        order_lines_checked(organization=organization)
        .filter(order__account__in=accounts)
        .filter(
            ~Q(delivered=F("invoiced") - F("credited")) | Q(received__lt=F("delivered")),
        )
        .select_related("order__account__client", "order__offer")
        .order_by("order__created_at", "order_id", "position")
    )


def differences_page(lines) -> list[LineCheck]:
    return [_checked(line) for line in lines]
