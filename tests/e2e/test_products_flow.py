"""In Chromium, issue 13's point 6: from the catalogue's page of an obsolete product, an account
executive finds the account that still buys it and drafts, in one click, an offer of its
successor; from a new product's page, they inform the account that buys in its category (an
activity on the account, once). The pages are looked at 1280 and 390 wide."""

from django.db import transaction
from playwright.sync_api import expect

from offers.models import ProductLaunchNotice
from tenancy.scope import tenant_scope
from tests.offers.test_products import _new_kit, _old_kit


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def test_an_ae_drafts_the_replacement_of_an_obsolete_product_and_informs_of_a_new_one(
    tworld, page_factory, screenshots
):
    p = tworld.porta
    with transaction.atomic():
        old = _old_kit(p)
    with transaction.atomic():
        new = _new_kit(p)
    page = page_factory(width=1280, height=900)
    _sign_in(page, "ae@porta.example")

    # the obsolete kit's page leads to the account that still has it, with what it has
    page.goto(f"/o/porta/catalog/{old.pk}/")
    page.screenshot(path=str(screenshots / "product-obsolete-card.png"), full_page=True)
    page.locator("[data-testid=replacements-link]").click()
    expect(page.locator("[data-testid=replacement-row]")).to_have_count(1)
    expect(page.locator("[data-testid=open-order-quantity]")).to_have_text("3")
    expect(page.locator("[data-testid=amount-12m]")).to_have_text("€50.00")
    page.screenshot(path=str(screenshots / "product-replacements.png"), full_page=True)

    # one click: a draft offer of the successor, 4 of them (the open offer's quantity)
    page.locator("[data-testid=draft-replacement] button").click()
    expect(page.locator("[data-testid=offer-title]")).to_contain_text("Sensor kit to replace Old kit")
    expect(page.locator("[data-testid=offer-line]")).to_have_count(1)
    expect(page.locator("[data-testid=offer-line]")).to_contain_text("Sensor kit")

    # the new kit's page leads to the account that buys hardware; informing it is done once
    page.goto(f"/o/porta/catalog/{new.pk}/")
    page.locator("[data-testid=launch-link]").click()
    expect(page.locator("[data-testid=launch-row]")).to_have_count(1)
    page.screenshot(path=str(screenshots / "product-launch.png"), full_page=True)
    page.select_option(f"#kind-{p.account.pk}", "call")
    page.locator("[data-testid=inform-form] button").click()
    expect(page.locator("[data-testid=informed]")).to_contain_text("by Ae Porta")
    expect(page.locator("[data-testid=inform-form]")).to_have_count(0)
    with transaction.atomic(), tenant_scope(p.org):
        assert ProductLaunchNotice.objects.filter(organization=p.org, product=new).count() == 1

    # on a phone, both lists fit the screen
    phone = page_factory(width=390, height=844)
    _sign_in(phone, "ae@porta.example")
    for name, url in (
        ("product-replacements-phone", f"/o/porta/offers/products/{old.pk}/replacements/"),
        ("product-launch-phone", f"/o/porta/offers/products/{new.pk}/launch/"),
    ):
        phone.goto(url)
        expect(phone.locator("h1")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
        phone.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    assert page.console_errors == [] and phone.console_errors == []
