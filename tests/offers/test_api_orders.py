"""The orders API: orders and an order with its billing check, the delivery and invoicing
operations, finance's billing-check list, refusals that write nothing, another organisation's
ids, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from offers import services, services_orders
from offers.models import Delivery, Order, OrderLine, PlannedDelivery
from tenancy.scope import tenant_scope
from tests.factories import send_json, signed_in
from tests.tenancy.isolation import snapshot

API = "/api/v1/o/porta/offers/orders"


def _signed_in(membership):
    browser = signed_in(membership)
    browser.get("/api/v1/o/porta/me/")
    return browser


def _refused(membership, method: str, url: str, body=None):
    browser = _signed_in(membership)
    before = snapshot()
    response = send_json(browser, method, url, body)
    return response.status_code, response.json()["error"], snapshot() == before


def _won(o, count: int = 1) -> Order:
    """A won offer of `count` lines of 0.01 hours each (within the policy), its order."""
    with tenant_scope(o.org):
        offer = services.offer_create(
            organization=o.org,
            actor=o.ae,
            account=o.account,
            title="Spares",
            lines=[{"product": o.product2, "quantity": D("0.01")} for _ in range(count)],
        )
        services.offer_submit(organization=o.org, actor=o.ae, offer=offer)
        services.offer_send(organization=o.org, actor=o.ae, offer=offer)
        services.offer_win(organization=o.org, actor=o.ae, offer=offer)
        return Order.objects.get(organization=o.org, offer=offer)


def test_the_orders_list_shows_the_orders_one_sees(world):
    p = world.porta
    body = _signed_in(p.ae).get(f"{API}/").json()
    assert [
        (o["id"], o["reference"], o["offer"], o["account"], o["currency"], o["invoice_by"], o["net_total"])
        for o in body["results"]
    ] == [
        (
            p.order.pk,
            p.won_offer.number,
            p.won_offer.pk,
            {"id": p.account.pk, "name": p.account.name},
            "EUR",
            "delivered",
            "130.00",
        )
    ]
    assert _signed_in(p.ae).get(f"{API}/?invoice_by=ordered").json()["results"] == []
    assert [o["id"] for o in _signed_in(p.ae).get(f"{API}/?q={p.won_offer.number}").json()["results"]] == [p.order.pk]


def test_an_order_has_its_lines_plans_deliveries_and_billing_check(world):
    p = world.porta
    line = p.order_lines[0]
    body = _signed_in(p.ae).get(f"{API}/{p.order.pk}/").json()
    today = timezone.localdate().isoformat()
    with tenant_scope(p.org):
        planned = PlannedDelivery.objects.get(organization=p.org, order_line=line)
    assert body["lines"] == [
        {
            "ordered": "2.000",
            "delivered": "1.000",
            "received": "0.000",
            "invoiced": "3.000",
            "credited": "1.000",
            "differences": [
                {"kind": "invoiced_not_delivered", "quantity": "1.000", "text": "invoiced, not delivered: 1"},
                {"kind": "not_received", "quantity": "1.000", "text": "delivered, not received: 1"},
            ],
            "id": line.pk,
            "position": 1,
            "product": {"id": p.product2.pk, "sku": p.product2.sku, "name": "Installation"},
            "description": "Installation",
            "unit_price": "65.00",
            "discount_percent": "0.00",
            "net": "130.00",
            "lead_time_days": 0,
            "planned_deliveries": [{"id": planned.pk, "planned_on": today, "quantity": "2.000", "late": "0.000"}],
            "deliveries": [
                {
                    "id": p.delivery.pk,
                    "delivered_on": today,
                    "quantity": "1.000",
                    "received_quantity": "0.000",
                    "received_on": None,
                }
            ],
        }
    ]


def test_an_ae_plans_delivers_and_the_client_receives_and_finance_invoices_through_the_api(world):
    # given a won offer's order of one line of 0.01
    p = world.porta
    order = _won(p)
    with tenant_scope(p.org):
        line = OrderLine.objects.get(organization=p.org, order=order)
        PlannedDelivery.objects.filter(organization=p.org, order_line=line).delete()
    ae, finance = _signed_in(p.ae), _signed_in(p.finance)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    # when the ae plans it, delivers 0.006 and the client receives 0.004 of it
    planned = send_json(ae, "post", f"{API}/lines/{line.pk}/plan/", {"planned_on": "2027-01-04", "quantity": "0.01"})
    delivered = send_json(
        ae, "post", f"{API}/lines/{line.pk}/deliveries/", {"delivered_on": yesterday, "quantity": "0.006"}
    )
    with tenant_scope(p.org):
        delivery = Delivery.objects.get(organization=p.org, order_line=line)
    received = send_json(
        ae, "post", f"{API}/deliveries/{delivery.pk}/receipt/", {"received_on": yesterday, "quantity": "0.004"}
    )
    # and finance keeps invoicing by delivery, then invoices
    basis = send_json(finance, "post", f"{API}/{order.pk}/invoice-by/", {"invoice_by": "delivered"})
    invoiced = send_json(finance, "post", f"{API}/{order.pk}/invoice/")
    # then each answer is the order as it is now; the invoice is a draft of what was delivered
    assert (planned.status_code, delivered.status_code, received.status_code, basis.status_code) == (
        201,
        201,
        200,
        200,
    )
    assert [(x["planned_on"], x["quantity"]) for x in planned.json()["lines"][0]["planned_deliveries"]] == [
        ("2027-01-04", "0.010")
    ]
    assert [(x["quantity"], x["received_quantity"]) for x in received.json()["lines"][0]["deliveries"]] == [
        ("0.006", "0.004")
    ]
    assert received.json()["lines"][0]["differences"] == [
        {"kind": "delivered_not_invoiced", "quantity": "0.006", "text": "delivered, not invoiced: 0.006"},
        {"kind": "not_received", "quantity": "0.002", "text": "delivered, not received: 0.002"},
    ]
    assert (invoiced.status_code, invoiced.json()["status"]) == (201, "draft")
    assert [(x["quantity"], x["unit_price"]) for x in invoiced.json()["lines"]] == [("0.006", "65.00")]


def test_refusals_say_why_and_write_nothing(world):
    # given the world's order: 1 of 2 hours delivered, 3 invoiced (2 net of the credit)
    p = world.porta
    line = p.order_lines[0]
    today = timezone.localdate().isoformat()
    # then: delivering more than ordered, planning more than the line, a receipt past the
    # delivery, the ae choosing the basis or invoicing, invoicing with nothing left, bad input
    assert _refused(p.ae, "post", f"{API}/lines/{line.pk}/deliveries/", {"delivered_on": today, "quantity": "2"}) == (
        400,
        {
            "code": "invalid",
            "message": "You cannot deliver more than was ordered: 1.000 of line 1 (Installation) is left to deliver.",
            "fields": {"quantity": "At most 1.000."},
        },
        True,
    )
    assert _refused(p.ae, "post", f"{API}/lines/{line.pk}/plan/", {"planned_on": today, "quantity": "1"}) == (
        400,
        {
            "code": "invalid",
            "message": "Line 1 (Installation) has 0.000 left to plan of the 2.000 ordered.",
            "fields": {"quantity": "At most 0.000."},
        },
        True,
    )
    assert _refused(
        p.ae, "post", f"{API}/deliveries/{p.delivery.pk}/receipt/", {"received_on": today, "quantity": "1.5"}
    ) == (
        400,
        {
            "code": "invalid",
            "message": "The client cannot receive more than was delivered: 1.000 of this delivery is left to receive.",
            "fields": {"quantity": "At most 1.000."},
        },
        True,
    )
    assert _refused(p.ae, "post", f"{API}/{p.order.pk}/invoice-by/", {"invoice_by": "ordered"})[::2] == (403, True)
    assert _refused(p.ae, "post", f"{API}/{p.order.pk}/invoice/")[::2] == (403, True)
    assert _refused(p.finance, "post", f"{API}/{p.order.pk}/invoice/") == (
        409,
        {
            "code": "nothing_to_invoice",
            "message": "Nothing to invoice: everything delivered is invoiced already.",
            "fields": {},
        },
        True,
    )
    status, error, unchanged = _refused(p.finance, "post", f"{API}/{p.order.pk}/invoice-by/", {"invoice_by": "soon"})
    assert (status, list(error["fields"]), unchanged) == (400, ["invoice_by"], True)


def test_another_organisations_ids_are_not_found_and_nothing_is_written(world):
    p, n = world.porta, world.nordwind
    today = timezone.localdate().isoformat()
    for who, method, url, body in (
        (p.ae, "get", f"{API}/{n.order.pk}/", None),
        (p.ae, "post", f"{API}/lines/{n.order_line.pk}/plan/", {"planned_on": today, "quantity": "1"}),
        (p.ae, "post", f"{API}/lines/{n.order_line.pk}/deliveries/", {"delivered_on": today, "quantity": "1"}),
        (p.ae, "post", f"{API}/deliveries/{n.delivery.pk}/receipt/", {"received_on": today, "quantity": "1"}),
        (p.finance, "post", f"{API}/{n.order.pk}/invoice-by/", {"invoice_by": "ordered"}),
        (p.finance, "post", f"{API}/{n.order.pk}/invoice/", None),
    ):
        status, error, unchanged = _refused(who, method, url, body)
        assert (url, status, error["code"], unchanged) == (url, 404, "not_found", True)


def test_the_billing_check_list_is_finances_and_filters_by_difference(world):
    p = world.porta
    finance = _signed_in(p.finance)
    rows = finance.get(f"{API}/check/").json()["results"]
    assert [(r["id"], r["order"], r["account"]["id"], r["position"], r["invoiced"], r["credited"]) for r in rows] == [
        (p.order_line.pk, {"id": p.order.pk, "reference": p.won_offer.number}, p.account.pk, 1, "3.000", "1.000")
    ]
    assert [r["id"] for r in finance.get(f"{API}/check/?difference=credited").json()["results"]] == [p.order_line.pk]
    assert finance.get(f"{API}/check/?difference=delivered_not_invoiced").json()["results"] == []
    assert finance.get(f"{API}/check/?difference=late").status_code == 400
    status, error, _unchanged = _refused(p.ae, "get", f"{API}/check/")
    assert (status, error["code"]) == (403, "permission_denied")


# --- Fixed query counts ----------------------------------------------------------------------------

# The person (a session: the session, the person), the organisation, the membership, the
# scope's savepoint and setting (set, reset, release): 7.
REQUEST = 7


def _lines_delivered(o, order):
    with tenant_scope(o.org):
        for line in OrderLine.objects.filter(organization=o.org, order=order):
            services_orders.delivery_record(
                organization=o.org, actor=o.ae, order_line=line, delivered_on=timezone.localdate(), quantity=D("0.005")
            )


@pytest.mark.parametrize("count", [1, 50])
def test_the_orders_list_takes_the_same_queries_with_1_and_with_50_orders(world, count, django_assert_num_queries):
    p = world.porta
    for _ in range(count - 1):
        _won(p)
    browser = _signed_in(p.ae)
    with django_assert_num_queries(REQUEST + 1):
        assert len(browser.get(f"{API}/").json()["results"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_an_order_takes_the_same_queries_with_1_and_with_50_lines(world, count, django_assert_num_queries):
    p = world.porta
    order = _won(p, count)
    _lines_delivered(p, order)
    browser = _signed_in(p.ae)
    # the order, its lines with the check, their plans, their deliveries
    with django_assert_num_queries(REQUEST + 4):
        body = browser.get(f"{API}/{order.pk}/").json()
    assert [len(line["deliveries"]) for line in body["lines"]] == [1] * count


@pytest.mark.parametrize("count", [1, 50])
def test_the_billing_check_list_takes_the_same_queries_with_1_and_with_50_rows(world, count, django_assert_num_queries):
    p = world.porta
    order = _won(p, count)
    _lines_delivered(p, order)
    browser = _signed_in(p.finance)
    with django_assert_num_queries(REQUEST + 1):
        assert len(browser.get(f"{API}/check/").json()["results"]) == min(count + 1, 50)
