"""offers.services_orders and offers.selectors_orders: a won offer's order, its deliveries and
receipts, invoicing it through billing, and the billing check, with refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts_services
from billing import services as billing_services
from billing.models import InvoiceLine, InvoiceStatus
from config.errors import ApplicationError, refusal_messages
from offers import selectors_orders, services, services_orders
from offers.grading import reason_text
from offers.models import InvoiceBy, Offer, OfferRevision, Order, OrderInvoiceLine, OrderLine, PlannedDelivery
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot


def _refused(org, call):
    """(status, message, fields) of a refused call, and whether the database is as it was."""
    before = snapshot()
    with pytest.raises((ApplicationError, ValidationError)) as error, tenant_scope(org):
        call()
    refusal = error.value
    if isinstance(refusal, ValidationError):
        refusal = ApplicationError(*refusal_messages(refusal))
    return (refusal.status, str(refusal.message), refusal.extra or None), snapshot() == before


def _won(o):
    """The world's approved offer, sent and won: its order and its two lines."""
    with tenant_scope(o.org):
        services.offer_send(organization=o.org, actor=o.ae, offer=o.offer)
        services.offer_win(organization=o.org, actor=o.ae, offer=o.offer)
        order = Order.objects.get(organization=o.org, offer=o.offer)
        lines = list(OrderLine.objects.filter(organization=o.org, order=order).order_by("position"))
    return order, lines


def _deliver(o, line, quantity, actor=None, days_ago=1):
    with tenant_scope(o.org):
        return services_orders.delivery_record(
            organization=o.org,
            actor=actor or o.ae,
            order_line=line,
            delivered_on=timezone.localdate() - timedelta(days=days_ago),
            quantity=D(quantity),
        )


def _invoice(o, order, issue=True):
    with tenant_scope(o.org):
        invoice = services_orders.order_invoice(organization=o.org, actor=o.finance, order=order)
        if issue:
            invoice = billing_services.invoice_issue(organization=o.org, actor=o.finance, invoice=invoice)
    return invoice


def _check(o, order):
    with tenant_scope(o.org):
        return [
            (c.line.position, c.ordered, c.delivered, c.received, c.invoiced, c.credited, c.differences)
            for c in selectors_orders.order_check(organization=o.org, order=order)
        ]


def test_winning_an_offer_makes_its_order_with_the_accepted_lines_and_a_planned_delivery_each(world):
    # given the world's approved offer
    p = world.porta
    # when it is sent and won
    order, lines = _won(p)
    # then the order has its lines, tax rates and a planned delivery of the whole quantity each
    today = timezone.localdate()
    with tenant_scope(p.org):
        planned = [
            (x.order_line.position, x.planned_on, x.quantity)
            for x in PlannedDelivery.objects.filter(organization=p.org, order_line__order=order).select_related(
                "order_line"
            )
        ]
        audit = list(
            AuditEvent.objects.filter(organization=p.org, action="order.create", object_id=order.pk).values_list(
                "object_id", "actor"
            )
        )
    assert (order.reference, order.currency, order.invoice_by, order.account_id) == (
        p.offer.number,
        p.account.currency,
        InvoiceBy.DELIVERED,
        p.account.pk,
    )
    assert [(x.position, x.product_id, x.quantity, x.unit_price, x.discount_percent, x.net) for x in lines] == [
        (o.position, o.product_id, o.quantity, o.unit_price, o.discount_percent, o.net) for o in p.offer_lines
    ]
    assert [x.tax_rate_id for x in lines] == [p.product.tax_rate_id, p.product2.tax_rate_id]
    assert sorted(planned) == [(1, today, D("10.000")), (2, today + timedelta(days=5), D("2.000"))]
    assert audit == [(order.pk, p.ae.user_id)]


def test_the_billing_check_on_a_partly_delivered_invoiced_and_credited_order(world):
    # given an order of 10 + 2, invoiced by delivery
    p = world.porta
    order, (kits, hours) = _won(p)
    # 6 kits delivered, 4 of them received; invoiced (6) and issued
    delivery = _deliver(p, kits, "6")
    with tenant_scope(p.org):
        services_orders.delivery_confirm_receipt(
            organization=p.org, actor=p.ae, delivery=delivery, quantity=D("4"), received_on=timezone.localdate()
        )
    invoice = _invoice(p, order)
    # 1 kit credited; 2 more kits delivered (not invoiced); 1 hour delivered and invoiced as a draft
    with tenant_scope(p.org):
        kit_line = InvoiceLine.objects.get(organization=p.org, invoice=invoice)
        billing_services.credit_note_create(
            organization=p.org, actor=p.finance, invoice=invoice, reason="One kit broken", lines=[(kit_line, D("1"))]
        )
    _deliver(p, kits, "2")
    _deliver(p, hours, "1")
    # when the check is read (the draft invoice of the hour does not count as invoiced)
    draft = _invoice(p, order, issue=False)
    # then every number and difference is exact
    assert draft.status == InvoiceStatus.DRAFT
    assert _check(p, order) == [
        (
            1,
            D("10.000"),
            D("8.000"),
            D("4.000"),
            D("6.000"),
            D("1.000"),
            ["delivered, not invoiced: 3", "delivered, not received: 4"],
        ),
        (
            2,
            D("2.000"),
            D("1.000"),
            D("0.000"),
            D("0.000"),
            D("0.000"),
            [
                "delivered, not invoiced: 1",
                "delivered, not received: 1",
            ],
        ),
    ]
    # and the draft invoiced what was invoiceable: 3 kits (8 delivered − 6 invoiced + 1 credited), 1 hour
    with tenant_scope(p.org):
        drafted = list(
            InvoiceLine.objects.filter(organization=p.org, invoice=draft).values_list("quantity", "unit_price")
        )
        links = OrderInvoiceLine.objects.filter(organization=p.org, invoice_line__invoice=draft).count()
    assert drafted == [(D("3.000"), kits.unit_price), (D("1.000"), hours.unit_price)]
    assert links == 2


def test_invoiced_not_delivered_when_invoicing_by_the_ordered_quantity(world):
    # given an order invoiced by the ordered quantity, 3 kits delivered
    p = world.porta
    order, (kits, hours) = _won(p)
    with tenant_scope(p.org):
        order = services_orders.order_set_invoice_by(
            organization=p.org, actor=p.finance, order=order, invoice_by=InvoiceBy.ORDERED
        )
    _deliver(p, kits, "3")
    # when finance invoices it
    _invoice(p, order)
    # then all is invoiced, and the check says what was not delivered
    assert [(x[0], x[4], x[6]) for x in _check(p, order)] == [
        (1, D("10.000"), ["invoiced, not delivered: 7", "delivered, not received: 3"]),
        (2, D("2.000"), ["invoiced, not delivered: 2"]),
    ]


def test_delivering_more_than_ordered_is_refused_and_writes_nothing(world):
    # given 8 of the 10 kits delivered
    p = world.porta
    _order, (kits, _hours) = _won(p)
    _deliver(p, kits, "8")
    # when 3 more are recorded
    refusal, unchanged = _refused(
        p.org,
        lambda: services_orders.delivery_record(
            organization=p.org, actor=p.ae, order_line=kits, delivered_on=timezone.localdate(), quantity=D("3")
        ),
    )
    # then
    assert refusal == (
        400,
        "You cannot deliver more than was ordered: 2.000 of line 1 (Sensor kit) is left to deliver.",
        {"quantity": "At most 2.000."},
    )
    assert unchanged


def test_invoicing_more_than_delivered_is_refused_and_writes_nothing(world):
    # given an order invoiced by delivery, everything delivered invoiced already
    p = world.porta
    order, (kits, _hours) = _won(p)
    _deliver(p, kits, "2")
    _invoice(p, order)
    # when finance invoices again
    refusal, unchanged = _refused(
        p.org, lambda: services_orders.order_invoice(organization=p.org, actor=p.finance, order=order)
    )
    # then nothing is invoiceable
    assert refusal == (409, "Nothing to invoice: everything delivered is invoiced already.", None)
    assert unchanged


def test_a_receipt_cannot_exceed_what_was_delivered(world):
    # given 5 kits delivered, 3 received
    p = world.porta
    _order, (kits, _hours) = _won(p)
    delivery = _deliver(p, kits, "5")
    today = timezone.localdate()
    with tenant_scope(p.org):
        services_orders.delivery_confirm_receipt(
            organization=p.org, actor=p.ae, delivery=delivery, quantity=D("3"), received_on=today
        )
    # when 3 more are confirmed
    refusal, unchanged = _refused(
        p.org,
        lambda: services_orders.delivery_confirm_receipt(
            organization=p.org, actor=p.ae, delivery=delivery, quantity=D("3"), received_on=today
        ),
    )
    # then
    assert refusal == (
        400,
        "The client cannot receive more than was delivered: 2.000 of this delivery is left to receive.",
        {"quantity": "At most 2.000."},
    )
    assert unchanged


def test_planned_deliveries_cannot_add_up_to_more_than_the_line(world):
    # given the kits' planned delivery of all 10
    p = world.porta
    _order, (kits, _hours) = _won(p)
    # when one more is planned
    refusal, unchanged = _refused(
        p.org,
        lambda: services_orders.order_plan_delivery(
            organization=p.org, actor=p.ae, order_line=kits, planned_on=timezone.localdate(), quantity=D("1")
        ),
    )
    # then
    assert refusal == (
        400,
        "Line 1 (Sensor kit) has 0.000 left to plan of the 10.000 ordered.",
        {"quantity": "At most 0.000."},
    )
    assert unchanged


@pytest.mark.parametrize(
    ("who", "records", "invoices"),
    [
        ("ae", True, 403),
        ("ae2", True, 403),
        ("lead", True, 403),
        ("finance", 403, True),
        ("admin", 403, 403),
    ],
)
def test_the_role_matrix_of_deliveries_and_invoicing(world, who, records, invoices):
    # given a won offer's order, 1 kit delivered
    p = world.porta
    order, (kits, _hours) = _won(p)
    _deliver(p, kits, "1")
    actor = getattr(p, who)

    def record():
        return services_orders.delivery_record(
            organization=p.org, actor=actor, order_line=kits, delivered_on=timezone.localdate(), quantity=D("1")
        )

    def invoice():
        return services_orders.order_invoice(organization=p.org, actor=actor, order=order)

    # when each tries, then they may or are refused with nothing written
    for call, expected in ((record, records), (invoice, invoices)):
        if expected is True:
            with tenant_scope(p.org):
                assert call().pk is not None
        else:
            (status, _message, _fields), unchanged = _refused(p.org, call)
            assert (status, unchanged) == (expected, True)


def test_the_finance_list_has_every_line_with_a_difference_in_fixed_queries(world):
    # given an order with 2 kits delivered, not invoiced
    p = world.porta
    order, (kits, hours) = _won(p)
    _deliver(p, kits, "2")
    # when finance reads the list
    with tenant_scope(p.org), CaptureQueriesContext(connection) as queries:
        rows = list(selectors_orders.order_differences(organization=p.org, membership=p.finance))
        said = [(c.line.pk, c.differences) for c in selectors_orders.differences_page(rows)]
    # then
    assert said == [
        # the world's order: 1 hour delivered, its link to the world's invoice line (3 invoiced, 1 credited)
        (p.order_lines[0].pk, ["invoiced, not delivered: 1", "delivered, not received: 1"]),
        (kits.pk, ["delivered, not invoiced: 2", "delivered, not received: 2"]),
    ]
    assert len(queries) == 1


def _exposure_reasons(o, offer):
    """The financial reasons grading `offer` gives now (offers.services.offer_grading: a read)."""
    with tenant_scope(o.org):
        offer = Offer.objects.select_related("account").get(organization=o.org, pk=offer.pk)
        revision = OfferRevision.objects.get(organization=o.org, offer=offer, number=offer.revision)
        _version, graded = services.offer_grading(organization=o.org, offer=offer, revision=revision)
    return [reason_text(reason) for reason in graded.reasons if reason["kind"] == "financial"]


def _credit_limit(o, amount):
    with tenant_scope(o.org):
        accounts_services.account_update(organization=o.org, actor=o.admin, account=o.account, credit_limit=D(amount))


def test_open_orders_are_what_the_orders_will_still_invoice_with_tax(world):
    # given the world's order (its hours invoiced in full by the world's invoice line): nothing open
    p = world.porta

    def open_amount():
        with tenant_scope(p.org):
            return selectors_orders.open_orders_amounts(organization=p.org, account_ids=[p.account.pk, 10**9])

    before = open_amount()
    # when the world's offer is won: 10 kits at 96.00 net and 2 hours at 65.00, 21 % VAT
    order, (kits, _hours) = _won(p)
    won = open_amount()
    # and 6 kits are delivered and invoiced (issued), then 1 credited
    _deliver(p, kits, "6")
    invoice = _invoice(p, order)
    invoiced = open_amount()
    with tenant_scope(p.org):
        billing_services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            reason="One kit broken",
            lines=[(InvoiceLine.objects.get(organization=p.org, invoice=invoice), D("1"))],
        )
    credited = open_amount()
    with tenant_scope(p.org), CaptureQueriesContext(connection) as queries:
        selectors_orders.open_orders_amounts(organization=p.org, account_ids=[p.account.pk])
    # then, in one query: (960 + 130) × 1.21; (4 × 96 + 130) × 1.21; (5 × 96 + 130) × 1.21
    assert (before, won, invoiced, credited) == (
        {p.account.pk: D("0.00"), 10**9: D("0.00")},
        {p.account.pk: D("1318.90"), 10**9: D("0.00")},
        {p.account.pk: D("621.94"), 10**9: D("0.00")},
        {p.account.pk: D("738.10"), 10**9: D("0.00")},
    )
    assert len(queries) == 1


def test_grading_counts_the_open_orders_in_the_exposure_at_its_boundary(world):
    # given a draft offer of 1 hour (78.65 with tax) on an account owing 90.40, without a credit limit
    p = world.porta
    with tenant_scope(p.org):
        offer = services.offer_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            title="One more hour",
            lines=[{"product": p.product2, "quantity": D("1")}],
        )
    _credit_limit(p, "0.00")
    without_orders = _exposure_reasons(p, offer)
    # when another offer is won: an order of 1,318.90 with tax, nothing invoiced
    _won(p)
    with_order = _exposure_reasons(p, offer)
    # then the exposure grows by exactly the open order; at a limit equal to it there is no reason,
    # a cent under it there is
    _credit_limit(p, "1487.95")
    at_limit = _exposure_reasons(p, offer)
    _credit_limit(p, "1487.94")
    over = _exposure_reasons(p, offer)
    assert without_orders == ["The account has no credit limit, and would owe €169.05 with this offer."]
    assert with_order == ["The account has no credit limit, and would owe €1,487.95 with this offer."]
    assert at_limit == []
    assert over == [
        "Exposure would reach 100.1 % of the €1,487.94 credit limit (€1,487.95 owed with this offer); "
        "the policy allows 100 %."
    ]
