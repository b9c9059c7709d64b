"""In Chromium on a phone: the sign-in page offers the languages; long names and status badges stay
inside the screen on the clients list and in search results."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from accounts.models import Account
from clients.models import Client
from tenancy.scope import tenant_scope
from tenancy.text import search_normalize

# Names with no place to break a line, in the language whose status label is the longest.
LONG_CLIENT = "CeramiquesTerrissaArtesanaSegriaDistribucioInternacionalPorta"
LONG_ACCOUNT = "PortaAccountWholesaleDistributionNorthernCataloniaRegion"

# The right edge of every element matching the selector, and the page's own width.
_EDGES = """selector => ({
    rights: [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect().right),
    width: document.documentElement.clientWidth,
    scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
})"""


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def _long_names(tworld) -> None:
    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        client = Client.objects.get(pk=p.client.pk)
        Client.objects.filter(pk=client.pk).update(
            trade_name=LONG_CLIENT,
            status="prospect",
            search_text=search_normalize(client.legal_name, LONG_CLIENT, client.city, client.tax_id),
        )
        Account.objects.filter(pk=p.account.pk).update(name=LONG_ACCOUNT, search_text=search_normalize(LONG_ACCOUNT))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_phone_sign_in_page_switches_language(tworld, page_factory, screenshots, scheme):
    page = page_factory(width=390, height=844, color_scheme=scheme)
    page.goto("/login/")
    switch = page.locator("[data-testid=language-switch]")
    expect(switch).to_be_visible()
    switch.locator("button[value=ca]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ca")
    expect(page.get_by_role("heading", name="Inicia la sessió")).to_be_visible()
    page.screenshot(path=screenshots / f"login-ca-phone-{scheme}.png", full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_clients_status_badges_and_long_names_stay_on_screen(tworld, page_factory, screenshots, scheme):
    # given: a client whose name has no place to break, read in Catalan ("Client potencial")
    _long_names(tworld)
    page = page_factory(width=390, height=844, color_scheme=scheme)
    _sign_in(page, "ae@porta.example")
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=language-menu] button[value=ca]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ca")
    # when
    page.goto("/o/porta/clients/")
    badge = page.locator("[data-testid=client-row] .badge")
    expect(badge).to_have_text("Client potencial")
    # then: the badge and the name end inside the screen, and nothing scrolls sideways
    page.screenshot(path=screenshots / f"clients-ca-phone-{scheme}.png", full_page=True)
    badges = page.evaluate(_EDGES, "[data-testid=client-row] .badge")
    names = page.evaluate(_EDGES, "[data-testid=client-row] td:first-child > *")
    table = page.evaluate(
        "() => { const t = document.querySelector('.table-responsive'); return t.scrollWidth <= t.clientWidth; }"
    )
    assert (len(badges["rights"]), len(names["rights"])) == (1, 3)
    assert max(badges["rights"] + names["rights"]) <= badges["width"] == 390
    assert (table, badges["scrolls"]) == (True, False)
    # and in the search results
    page.goto("/o/porta/search/?q=porta")
    results = page.locator("[data-testid=search-page-results] [data-testid=search-result]")
    expect(results).to_have_count(3)
    page.screenshot(path=screenshots / f"search-ca-phone-{scheme}.png", full_page=True)
    found = page.evaluate(_EDGES, "[data-testid=search-result], [data-testid=search-result] *")
    assert max(found["rights"]) <= found["width"] == 390 and found["scrolls"] is False
    assert page.console_errors == []
