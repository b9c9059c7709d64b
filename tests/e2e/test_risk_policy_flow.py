"""In Chromium: finance changes the risk policy with the form and reads the new version in force
and what it changed; an account executive reads it without the form. Screenshots at desktop
and phone widths, light and dark."""

import pytest
from playwright.sync_api import expect


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def _shoot(page, screenshots, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a full-page capture draws the sticky top bar where it was scrolled
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)


@pytest.mark.parametrize(
    ("width", "label", "scheme"),
    [(1280, "desktop", "light"), (1280, "desktop", "dark"), (390, "phone", "light"), (390, "phone", "dark")],
)
def test_finance_saves_a_new_version_and_an_account_executive_reads_it(
    tworld, page_factory, screenshots, width, label, scheme
):
    page = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(page, "finance@porta.example")
    page.goto("/o/porta/billing/risk-policy/")
    expect(page.locator("[data-testid=version-row]")).to_have_count(1)
    page.fill("#id_max_exposure_percent", "120")
    page.fill("#id_max_discount_percent", "12.5")
    page.fill("#id_note", "Bigger clients this year.")
    page.locator("[data-testid=save-policy]").click()
    expect(page.locator("[data-testid=version-row]")).to_have_count(2)
    expect(page.locator("[data-testid=policy-in-force] h2")).to_have_text("In force: version 2")
    expect(page.locator("[data-testid=policy-rule]").first).to_contain_text("up to 120%")
    expect(page.locator("[data-testid=version-change]")).to_have_text(
        ["Most an account may owe (% of its credit limit): 100% → 120%", "Maximum overall discount (%): 10% → 12.5%"]
    )
    _shoot(page, screenshots, f"risk-policy-finance-{label}-{scheme}")
    assert page.console_errors == []
    reader = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(reader, "ae@porta.example")
    reader.goto("/o/porta/billing/risk-policy/")
    expect(reader.locator("[data-testid=policy-rule]").nth(3)).to_have_text(
        "A line's discount is at most 15%, and the offer's overall discount at most 12.5%."
    )
    expect(reader.locator("[data-testid=risk-policy-form]")).to_have_count(0)
    _shoot(reader, screenshots, f"risk-policy-reader-{label}-{scheme}")
