"""The order pages: the order card on a won offer's page, its forms and buttons for each role,
finance's billing-check list, their query counts, and another organisation's ids."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice
from offers import services, services_orders
from offers.models import Delivery, Order, OrderLine, PlannedDelivery
from tenancy.scope import tenant_scope
from tests.factories import post_unchanged, signed_in


def _won_with(o, count: int) -> Order:
    """A won offer of `count` small lines (within the policy: approved at once), its order."""
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


def test_the_won_offers_page_shows_its_order_with_the_check_and_each_roles_forms(world):
    # given the world's won offer (1 of 2 hours delivered, linked to the world's invoice line)
    p = world.porta
    url = f"/o/porta/offers/{p.won_offer.pk}/"
    # when the ae and finance read it
    ae_page = signed_in(p.ae).get(url).content.decode()
    finance_page = signed_in(p.finance).get(url).content.decode()
    # then both see the check; the ae the delivery forms, finance the invoice button
    for page in (ae_page, finance_page):
        assert re.findall(r'data-testid="order-difference">([^<]+)<', page) == [
            "invoiced, not delivered: 1",
            "delivered, not received: 1",
        ]
    assert ('data-testid="delivery-form"' in ae_page, 'data-testid="order-invoice"' in ae_page) == (True, False)
    assert ('data-testid="delivery-form"' in finance_page, 'data-testid="order-invoice"' in finance_page) == (
        False,
        True,
    )


def test_an_ae_records_a_delivery_and_a_receipt_on_the_page(world):
    # given the world's order (1 of 2 hours delivered)
    p = world.porta
    line = p.order_lines[0]
    today = timezone.localdate()
    browser = signed_in(p.ae)
    # when the ae records the other hour and the client's receipt of the first
    first = browser.post(
        f"/o/porta/offers/orders/lines/{line.pk}/deliveries/", {"on": today.isoformat(), "quantity": "1"}
    )
    second = browser.post(
        f"/o/porta/offers/orders/deliveries/{p.delivery.pk}/receipt/", {"on": today.isoformat(), "quantity": "1"}
    )
    # then
    with tenant_scope(p.org):
        rows = sorted(
            Delivery.objects.filter(organization=p.org, order_line=line).values_list("quantity", "received_quantity")
        )
    assert (first.status_code, second.status_code) == (302, 302)
    assert rows == [(D("1.000"), D("0.000")), (D("1.000"), D("1.000"))]


def test_delivering_more_than_ordered_on_the_page_says_why_and_writes_nothing(world):
    p = world.porta
    line = p.order_lines[0]
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/offers/orders/lines/{line.pk}/deliveries/",
        {"on": timezone.localdate().isoformat(), "quantity": "2"},
    )
    browser = signed_in(p.ae)
    browser.post(
        f"/o/porta/offers/orders/lines/{line.pk}/deliveries/", {"on": timezone.localdate().isoformat(), "quantity": "2"}
    )
    page = browser.get(response["Location"]).content.decode()
    assert (response.status_code, unchanged) == (302, True)
    assert "You cannot deliver more than was ordered: 1.000 of line 1 (Installation) is left to deliver." in page


def test_finance_invoices_what_is_invoiceable_from_the_page(world):
    # given an order invoiced by delivery with 3 of 50 lines' … one line delivered
    p = world.porta
    order = _won_with(p, 2)
    with tenant_scope(p.org):
        line = OrderLine.objects.filter(organization=p.org, order=order).order_by("position").first()
        services_orders.delivery_record(
            organization=p.org,
            actor=p.ae,
            order_line=line,
            delivered_on=timezone.localdate() - timedelta(days=1),
            quantity=D("0.01"),
        )
    # when finance presses the button; the ae cannot
    refused, unchanged = post_unchanged(p.ae, f"/o/porta/offers/orders/{order.pk}/invoice/", {})
    response = signed_in(p.finance).post(f"/o/porta/offers/orders/{order.pk}/invoice/")
    # then a draft of the delivered line
    with tenant_scope(p.org):
        invoice = Invoice.objects.filter(organization=p.org).order_by("-pk").first()
        lines = list(invoice.lines.values_list("quantity", flat=True))
    assert (refused.status_code, unchanged) == (302, True)
    assert (response.status_code, response["Location"]) == (302, f"/o/porta/billing/invoices/{invoice.pk}/")
    assert (invoice.status, lines) == ("draft", [D("0.010")])


def test_another_organisations_order_ids_are_not_found(world):
    p, n = world.porta, world.nordwind
    for url in (
        f"/o/porta/offers/orders/{n.order.pk}/invoice/",
        f"/o/porta/offers/orders/lines/{n.order_lines[0].pk}/deliveries/",
        f"/o/porta/offers/orders/deliveries/{n.delivery.pk}/receipt/",
    ):
        response, unchanged = post_unchanged(
            p.finance if "invoice" in url else p.ae, url, {"on": "2026-01-01", "quantity": "1"}
        )
        assert (url, response.status_code, unchanged) == (url, 404, True)


def test_the_billing_check_list_is_finances(world):
    p = world.porta
    assert signed_in(p.ae).get("/o/porta/offers/orders/check/").status_code == 403
    page = signed_in(p.finance).get("/o/porta/offers/orders/check/").content.decode()
    assert re.findall(r'data-testid="order-check-row" data-order-line-id="(\d+)"', page) == [str(p.order_lines[0].pk)]


def _queries(browser, url: str) -> tuple[int, str]:
    browser.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("count", [1, 50])
def test_the_order_card_takes_four_queries_with_1_and_with_50_order_lines(world, count):
    # given a sent offer of `count` lines, its page's queries before it is won
    p = world.porta
    with tenant_scope(p.org):
        offer = services.offer_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            title="Spares",
            lines=[{"product": p.product2, "quantity": D("0.01")} for _ in range(count)],
        )
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
        services.offer_send(organization=p.org, actor=p.ae, offer=offer)
    browser = signed_in(p.ae)
    url = f"/o/porta/offers/{offer.pk}/"
    before, _page = _queries(browser, url)
    # when it is won and each line partly delivered
    with tenant_scope(p.org):
        services.offer_win(organization=p.org, actor=p.ae, offer=offer)
        for line in OrderLine.objects.filter(organization=p.org, order__offer=offer):
            services_orders.delivery_record(
                organization=p.org, actor=p.ae, order_line=line, delivered_on=timezone.localdate(), quantity=D("0.005")
            )
    after, page = _queries(browser, url)
    # then the order card costs the order, its lines with the check, their plans and deliveries
    assert (page.count('data-testid="order-line"'), after - before) == (count, 4)


@pytest.mark.parametrize("count", [1, 50])
def test_the_billing_check_list_takes_the_same_queries_with_1_and_with_50_rows(world, count):
    p = world.porta
    order = _won_with(p, count)
    with tenant_scope(p.org):
        for line in OrderLine.objects.filter(organization=p.org, order=order):
            services_orders.delivery_record(
                organization=p.org, actor=p.ae, order_line=line, delivered_on=timezone.localdate(), quantity=D("0.005")
            )
    browser = signed_in(p.finance)
    browser.get("/o/porta/offers/orders/check/?page=1")
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/o/porta/offers/orders/check/")
    shown = response.content.decode().count('data-testid="order-check-row"')
    assert (response.status_code, shown) == (200, min(count + 1, 25))
    assert len(queries) == 9


def _planned(o, order) -> list[tuple[int, str, D]]:
    with tenant_scope(o.org):
        return [
            (position, on.isoformat(), quantity)
            for position, on, quantity in PlannedDelivery.objects.filter(organization=o.org, order_line__order=order)
            .order_by("order_line__position", "planned_on", "id")
            .values_list("order_line__position", "planned_on", "quantity")
        ]


def test_an_ae_plans_a_delivery_in_two_on_the_page_and_more_than_the_line_is_refused(world):
    # given an order of 2 small lines (0.01 each), each planned in full; the first plan removed
    p = world.porta
    order = _won_with(p, 2)
    with tenant_scope(p.org):
        first = OrderLine.objects.get(organization=p.org, order=order, position=1)
        PlannedDelivery.objects.filter(organization=p.org, order_line=first).delete()
    page = signed_in(p.ae).get(f"/o/porta/offers/{order.offer_id}/").content.decode()
    url = f"/o/porta/offers/orders/lines/{first.pk}/plan/"
    # when the ae plans 0.004 and 0.006 of it, then 0.001 more
    browser = signed_in(p.ae)
    answers = [
        browser.post(url, {"on": "2027-01-10", "quantity": "0.004"}).status_code,
        browser.post(url, {"on": "2027-02-10", "quantity": "0.006"}).status_code,
    ]
    refused, unchanged = post_unchanged(p.ae, url, {"on": "2027-03-10", "quantity": "0.001"})
    browser.post(url, {"on": "2027-03-10", "quantity": "0.001"})
    said = browser.get(refused["Location"]).content.decode()
    # then the plan form was on the line left to plan only; two plans written, the third refused
    assert re.findall(r'action="/o/porta/offers/orders/lines/(\d+)/plan/"', page) == [str(first.pk)]
    assert (answers, refused.status_code, unchanged) == ([302, 302], 302, True)
    assert _planned(p, order)[:2] == [(1, "2027-01-10", D("0.004")), (1, "2027-02-10", D("0.006"))]
    assert "Line 1 (Installation) has 0.000 left to plan of the 0.010 ordered. At most 0.000." in said


def test_finance_sets_the_invoicing_basis_and_an_ae_cannot(world):
    # given the world's order, invoiced by delivery
    p = world.porta
    url = f"/o/porta/offers/orders/{p.order.pk}/invoice-by/"
    # when the ae tries to invoice it by the ordered quantity, then finance does
    refused, unchanged = post_unchanged(p.ae, url, {"invoice_by": "ordered"})
    ae_said = signed_in(p.ae)
    ae_said.post(url, {"invoice_by": "ordered"})
    ae_page = ae_said.get(refused["Location"]).content.decode()
    done = signed_in(p.finance).post(url, {"invoice_by": "ordered"})
    bad, bad_unchanged = post_unchanged(p.finance, url, {"invoice_by": "whenever"})
    # then only finance's change is written
    with tenant_scope(p.org):
        basis = Order.objects.get(organization=p.org, pk=p.order.pk).invoice_by
    assert (refused.status_code, unchanged, "Only finance decides how an order is invoiced." in ae_page) == (
        302,
        True,
        True,
    )
    assert (done.status_code, done["Location"], basis) == (302, f"/o/porta/offers/{p.won_offer.pk}/#order", "ordered")
    assert (bad.status_code, bad_unchanged) == (302, True)
    assert 'data-testid="invoice-by-form"' not in ae_page


def test_the_order_card_shows_what_is_late(world):
    # given an order of 2 lines of 0.01, the first planned in two (0.004 ten days ago, 0.006 two
    # days ago), the second planned today; 0.005 of the first delivered
    p = world.porta
    order = _won_with(p, 2)
    today = timezone.localdate()
    with tenant_scope(p.org):
        first = OrderLine.objects.get(organization=p.org, order=order, position=1)
        PlannedDelivery.objects.filter(organization=p.org, order_line=first).update(
            planned_on=today - timedelta(days=10), quantity=D("0.004")
        )
        services_orders.order_plan_delivery(
            organization=p.org, actor=p.ae, order_line=first, planned_on=today - timedelta(days=2), quantity=D("0.006")
        )
        services_orders.delivery_record(
            organization=p.org, actor=p.ae, order_line=first, delivered_on=today, quantity=D("0.005")
        )
    # when the ae reads the card
    page = signed_in(p.ae).get(f"/o/porta/offers/{order.offer_id}/").content.decode()
    # then the second plan of the first line is late by 0.005; the first and today's are not
    assert re.findall(r'data-testid="order-late">([^<]+)<', page) == ["late: 0.005 not delivered"]
    assert re.findall(r'data-testid="order-late-total">.*?</i> ([^<]+)<', page) == [
        "Late: 0.005 planned and not delivered"
    ]
    assert page.count('data-testid="order-planned"') == 3


def _check_rows(page: str) -> list[str]:
    return re.findall(r'data-testid="order-check-row" data-order-line-id="(\d+)"', page)


def test_the_billing_check_list_filters_sorts_and_exports_exactly_what_it_shows(world):
    # given the world's credited line and a new order with 0.005 of each of its 2 lines delivered
    p = world.porta
    order = _won_with(p, 2)
    with tenant_scope(p.org):
        lines = list(OrderLine.objects.filter(organization=p.org, order=order).order_by("position"))
        for line in lines:
            services_orders.delivery_record(
                organization=p.org, actor=p.ae, order_line=line, delivered_on=timezone.localdate(), quantity=D("0.005")
            )
    browser = signed_in(p.finance)
    url = "/o/porta/offers/orders/check/"
    # when finance filters by kind of difference and by the order's reference, and sorts
    every = _check_rows(browser.get(url).content.decode())
    credited = _check_rows(browser.get(f"{url}?difference=credited").content.decode())
    not_invoiced = _check_rows(browser.get(f"{url}?difference=delivered_not_invoiced").content.decode())
    searched = _check_rows(browser.get(f"{url}?q={order.reference}").content.decode())
    newest = _check_rows(browser.get(f"{url}?sort=-order").content.decode())
    exported = browser.get(f"{url}export.csv?difference=delivered_not_invoiced")
    xlsx = browser.get(f"{url}export.xlsx?difference=delivered_not_invoiced")
    # then
    world_line, first, second = str(p.order_line.pk), str(lines[0].pk), str(lines[1].pk)
    assert every == [world_line, first, second]
    assert credited == [world_line]
    assert not_invoiced == searched == [first, second]
    assert newest == [second, first, world_line]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "Order",
            "Account",
            "Client",
            "Line",
            "Description",
            "Ordered",
            "Delivered",
            "Received",
            "Invoiced",
            "Credited",
            "Differences",
        ],
        *(
            [
                order.reference,
                p.account.name,
                p.client.display_name,
                str(position),
                "Installation",
                "0.010",
                "0.005",
                "0.000",
                "0.000",
                "0.000",
                "delivered, not invoiced: 0.005; delivered, not received: 0.005",
            ]
            for position in (1, 2)
        ),
    ]
    assert (xlsx.status_code, xlsx["Content-Type"]) == (
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_the_billing_check_is_linked_for_finance_only_and_its_export_is_finances(world):
    p = world.porta
    finance_page = signed_in(p.finance).get("/o/porta/offers/").content.decode()
    ae_page = signed_in(p.ae).get("/o/porta/offers/").content.decode()
    assert (
        'data-testid="nav-order-check"' in finance_page,
        'data-testid="order-check-link"' in finance_page,
        'data-testid="nav-order-check"' in ae_page,
        'data-testid="order-check-link"' in ae_page,
    ) == (True, True, False, False)
    assert signed_in(p.ae).get("/o/porta/offers/orders/check/export.csv").status_code == 403


def test_the_account_page_shows_its_open_orders_and_late_deliveries(world):
    # given the world's order (1 of 2 hours left to deliver, nothing to invoice) and the world's
    # offer won: 10 kits and 2 hours to deliver and 1,318.90 to invoice, the kits planned 3 days ago
    p = world.porta
    order, (kits, _hours) = _won_offer_of_world(p)
    today = timezone.localdate()
    with tenant_scope(p.org):
        PlannedDelivery.objects.filter(organization=p.org, order_line=kits).update(planned_on=today - timedelta(days=3))
        services_orders.delivery_record(
            organization=p.org, actor=p.ae, order_line=kits, delivered_on=today, quantity=D("4")
        )
    # when the ae opens the account page
    page = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    # then the newest order first, with what is left to deliver and to invoice; the kits late by 6
    orders = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r'data-testid="account-order">(.*?)</li>', page)
    ]
    late = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r'data-testid="account-late-delivery">(.*?)</li>', page)
    ]
    day = (today - timedelta(days=3)).strftime("%d/%m/%Y")
    assert orders == [
        f"{order.reference} 8 to deliver · €1,318.90 to invoice",
        f"{p.order.reference} 1 to deliver · €0.00 to invoice",
    ]
    assert late == [f"{order.reference} · 1. Sensor kit: 6 planned for {day}, not delivered"]


def _won_offer_of_world(o):
    with tenant_scope(o.org):
        services.offer_send(organization=o.org, actor=o.ae, offer=o.offer)
        services.offer_win(organization=o.org, actor=o.ae, offer=o.offer)
        order = Order.objects.get(organization=o.org, offer=o.offer)
        return order, list(OrderLine.objects.filter(organization=o.org, order=order).order_by("position"))
