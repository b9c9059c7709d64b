"""In Chromium: finance records a payment, choosing the account and typing the amount refresh
the proposal of what it pays (oldest due first), changes one amount and records it; then
reverses the world's payment. Screenshots of the list, the form with its proposal and a
reversed payment's page, at desktop and phone widths, light and dark."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import Allocation, Payment
from tenancy.scope import tenant_scope

TODAY = timezone.localdate()


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def _invoices(p, *days_ago: int) -> list:
    made = []
    with transaction.atomic(), tenant_scope(p.org):
        for days in days_ago:
            draft = services.invoice_create(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                issue_date=TODAY - timedelta(days=days),
                lines=[{"product": p.product, "quantity": Decimal("1")}],
            )
            made.append(services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft))
    return made


def _shoot(page, screenshots, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a full-page capture draws the sticky top bar where it was scrolled
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)


@pytest.mark.parametrize(
    ("width", "label", "scheme"),
    [(1280, "desktop", "light"), (1280, "desktop", "dark"), (390, "phone", "light"), (390, "phone", "dark")],
)
def test_finance_records_a_payment_from_the_proposal_and_reverses_another(
    tworld, page_factory, screenshots, width, label, scheme
):
    p = tworld.porta
    older, newer = _invoices(p, 20, 5)
    page = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(page, "finance@porta.example")
    page.goto("/o/porta/billing/payments/new/")
    expect(page.locator("[data-testid=proposal-empty]")).to_contain_text("Choose an account")
    page.select_option("#id_account", str(p.account.pk))
    rows = page.locator("[data-testid=proposal-row]")
    expect(rows).to_have_count(3)
    page.fill("#id_amount", "200")
    page.locator("#id_amount").press("Tab")  # leaving the box is its change
    # oldest due first: the world's invoice (90.40 open), then the older one, nothing to the newest
    expect(page.locator(f"#id_invoice_{p.invoice.pk}")).to_have_value("90.40")
    expect(page.locator(f"#id_invoice_{older.pk}")).to_have_value("109.60")
    expect(page.locator(f"#id_invoice_{newer.pk}")).to_have_value("")
    page.fill(f"#id_invoice_{older.pk}", "100")
    page.fill("#id_reference", f"E2E-{label}-{scheme}")
    _shoot(page, screenshots, f"payment-form-{label}-{scheme}")
    page.locator("[data-testid=record]").click()
    expect(page.locator("[data-testid=payment-title]")).to_contain_text("200.00")
    expect(page.locator("[data-testid=unallocated]")).to_have_text("€9.60")
    with transaction.atomic(), tenant_scope(p.org):
        payment = Payment.objects.get(reference=f"E2E-{label}-{scheme}")
        allocated = sorted(Allocation.objects.filter(payment=payment).values_list("invoice_id", "amount"))
    assert allocated == [(p.invoice.pk, Decimal("90.40")), (older.pk, Decimal("100.00"))]

    # the world's payment bounces
    page.goto(f"/o/porta/billing/payments/{p.payment.pk}/")
    page.locator("[data-testid=reverse-toggle]").click()
    # Bootstrap names the card `collapsing` while it opens, and `show` once it has: a click in
    # between lands where the growing card is moving the button from
    expect(page.locator("#reverse-card")).to_have_class(re.compile(r"\bshow\b"))
    page.fill("#id_reason", "Returned by the bank: no funds.")
    page.locator("[data-testid=reverse]").click()
    expect(page.locator("[data-testid=reversal-notice]")).to_contain_text("Returned by the bank: no funds.")
    expect(page.locator("[data-testid=allocation-row][data-active=false]")).to_have_count(1)
    _shoot(page, screenshots, f"payment-reversed-{label}-{scheme}")

    page.goto("/o/porta/billing/payments/")
    expect(page.locator("[data-testid=payment-row]")).to_have_count(2)
    expect(page.locator("[data-testid=reversed-badge]:visible")).to_have_count(1)
    _shoot(page, screenshots, f"payments-{label}-{scheme}")
    assert page.console_errors == []
