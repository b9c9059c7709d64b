"""In Chromium: finance reads the receivables page (the chart drawn beside its table, grouped by
account executive, the export); an account executive sees their accounts' balances and overdue
invoices on the portfolio and on the account page. Screenshots at 1280 and 390 pixels, light
and dark."""

import pytest
from playwright.sync_api import expect

from tests.billing import receivables_example

SIZES = [(1280, 900, "desktop"), (390, 844, "phone")]


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height", "label"), SIZES)
def test_finance_reads_the_aging_with_its_chart_and_groups_it(
    tworld, page_factory, screenshots, width, height, label, scheme
):
    receivables_example.build(tworld)
    page = page_factory(width=width, height=height, color_scheme=scheme)
    _sign_in(page, "finance@porta.example")
    page.goto("/o/porta/billing/receivables/?as_of=2025-06-30&dso_from=2025-01-01&dso_to=2025-06-30")
    expect(page.locator("[data-testid=receivables-row]")).to_have_count(3)
    expect(page.locator("[data-testid=total-outstanding]")).to_have_text("€3,182.34")
    expect(page.locator("[data-testid=dso]")).to_have_text("172.9 days")
    # the chart is drawn, a part per currency, beside the table of its figures
    expect(page.locator("[data-testid=bucket-days_1_30] td").first).to_have_text("€480.80")
    page.wait_for_function(
        "() => { const c = Chart.getChart(document.querySelector('[data-aging-chart]')); return c && c.data.datasets.length === 2; }"
    )
    page.screenshot(path=screenshots / f"receivables-{label}-{scheme}.png", full_page=True)
    page.get_by_role("link", name="Account executive", exact=True).click()
    expect(page.locator("[data-testid=receivables-row]")).to_have_count(2)
    expect(page.locator("[data-testid=receivables-row]").first).to_have_attribute("data-name", "Ae Porta")
    assert "group=owner" in page.url
    page.screenshot(path=screenshots / f"receivables-by-owner-{label}-{scheme}.png", full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height", "label"), SIZES)
def test_an_account_executive_sees_balances_and_overdue_invoices(
    tworld, page_factory, screenshots, width, height, label, scheme
):
    example = receivables_example.build(tworld)
    p = tworld.porta
    page = page_factory(width=width, height=height, color_scheme=scheme)
    _sign_in(page, "ae@porta.example")
    page.goto("/o/porta/portfolio/")
    row = page.locator(f"#account-{example.third.pk}")
    expect(row.locator("[data-testid=account-billing]")).to_contain_text("€290.40 overdue")
    expect(row.locator("[data-testid=account-billing] a")).to_have_text(example.third_invoice.number)
    page.screenshot(path=screenshots / f"portfolio-receivables-{label}-{scheme}.png", full_page=True)
    page.goto(f"/o/porta/accounts/{p.account.pk}/")
    card = page.locator("[data-testid=account-billing]")
    # today every invoice of the example is overdue: 10 × 290.40 − 100 − 145.20 − 290.40 of the
    # payment after June, plus the world's 90.40; 75.00 of credit
    expect(card.locator("[data-testid=account-overdue]")).to_have_text("€2,458.80")
    expect(card.locator("[data-testid=account-balance]")).to_have_text("€2,383.80")
    expect(card.locator("[data-testid=account-oldest-overdue] a")).to_have_text(example.invoices[121].number)
    page.screenshot(path=screenshots / f"account-receivables-{label}-{scheme}.png", full_page=True)
    assert page.console_errors == []
