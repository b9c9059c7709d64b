"""In Chromium, the second part of issue 13's flow: the account executive plans and records a
partial delivery of a won offer's order on its card, finance invoices what was delivered and
issues it, and finance's billing check shows what is left (the client's receipt)."""

from django.db import transaction
from playwright.sync_api import expect

from offers import services
from offers.models import Order, OrderLine, PlannedDelivery
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def test_a_partial_delivery_is_invoiced_and_the_billing_check_shows_what_is_left(tworld, page_factory, screenshots):
    # given the world's approved offer (10 kits, 2 hours), sent and won; the kits' plan taken back
    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        services.offer_send(organization=p.org, actor=p.ae, offer=p.offer)
        services.offer_win(organization=p.org, actor=p.ae, offer=p.offer)
        order = Order.objects.get(offer=p.offer)
        kits = OrderLine.objects.get(order=order, position=1)
        PlannedDelivery.objects.filter(order_line=kits).delete()
    page = page_factory(width=1280, height=900)
    _sign_in(page, "ae@porta.example")
    page.goto(f"/o/porta/offers/{p.offer.pk}/")
    kits_row = page.locator(f"[data-testid=order-line][data-order-line-id='{kits.pk}']")

    # the ae plans the kits in two deliveries and records the first, of 6
    kits_row.locator("[data-testid=plan-form] input[name=on]").fill("2030-01-15")
    kits_row.locator("[data-testid=plan-form] input[name=quantity]").fill("6")
    kits_row.locator("[data-testid=plan-form] button").click()
    expect(kits_row.locator("[data-testid=order-planned]")).to_have_count(1)
    kits_row.locator("[data-testid=plan-form] input[name=on]").fill("2030-02-15")
    kits_row.locator("[data-testid=plan-form] button").click()  # the 4 left, as proposed
    expect(kits_row.locator("[data-testid=order-planned]")).to_have_count(2)
    expect(kits_row.locator("[data-testid=plan-form]")).to_have_count(0)
    kits_row.locator("[data-testid=delivery-form] input[name=quantity]").fill("6")
    kits_row.locator("[data-testid=delivery-form] button").click()
    expect(kits_row.locator("[data-testid=order-delivery]")).to_have_count(1)
    expect(kits_row.locator("[data-testid=order-difference]")).to_have_text(
        ["delivered, not invoiced: 6", "delivered, not received: 6"]
    )
    page.screenshot(path=str(screenshots / "order-card-delivered.png"), full_page=True)

    # finance invoices what was delivered and issues it
    page.context.clear_cookies()
    _sign_in(page, "finance@porta.example")
    page.goto(f"/o/porta/offers/{p.offer.pk}/")
    page.locator("[data-testid=order-invoice]").click()
    page.locator("[data-testid=issue-invoice]").click()
    page.locator("[data-testid=confirm-issue]").click()
    expect(page.locator("[data-testid=total]")).to_have_text("€696.96")  # 6 × 96.00 + 21 %

    # the billing check lists the kits, delivered and invoiced, not received yet
    page.goto("/o/porta/offers/")
    page.locator("[data-testid=order-check-link]").click()
    page.select_option("#id_difference", "not_received")
    row = page.locator(f"[data-testid=order-check-row][data-order-line-id='{kits.pk}']")
    expect(row).to_contain_text("delivered, not received: 6")
    expect(page.locator("[data-testid=order-check-row]")).to_have_count(2)  # and the world's order's hour
    page.screenshot(path=str(screenshots / "order-billing-check.png"), full_page=True)
