"""In Chromium, the first part of issue 13's flow: an account executive drafts an offer whose
discount breaches finance's risk policy and submits it; the account's sales lead sees why and
approves it; the account executive marks it as sent and wins it. (Orders, deliveries and the
billing check come with the second part.)"""

import re

from django.db import transaction
from playwright.sync_api import expect

from offers.models import Offer, OfferApproval
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def test_an_offer_over_the_discount_is_approved_by_the_lead_sent_and_won(tworld, page_factory, screenshots):
    p = tworld.porta
    page = page_factory(width=1280, height=900)
    _sign_in(page, "ae@porta.example")

    # the ae drafts an offer on the account and adds 4 kits at 25 % off
    page.goto("/o/porta/offers/new/")
    page.select_option("#id_account", str(p.account.pk))
    page.fill("#id_title", "Gateway roll-out")
    page.locator("[data-testid=save-offer]").click()
    expect(page.locator("[data-testid=offer-title]")).to_contain_text("Gateway roll-out")
    page.select_option("#id_add-product", str(p.product.pk))
    page.fill("#id_add-quantity", "4")
    page.fill("#id_add-discount_percent", "25")
    page.locator("[data-testid=add-line-submit]").click()
    expect(page.locator("[data-testid=offer-line]")).to_have_count(1)
    expect(page.locator("[data-testid=grade-reasons]")).to_contain_text(
        "Discount 25 % on line 1; the policy allows 15 %."
    )
    expect(page.locator("[data-testid=offer-margin]")).to_contain_text("€80.00")
    # it changes the line where it stands: the totals, margin and grade follow without a reload
    discount = page.locator("[data-testid=offer-line] input[name$=discount_percent]")
    discount.fill("30")
    discount.press("Tab")
    expect(page.locator("[data-testid=grade-reasons]")).to_contain_text(
        "Discount 30 % on line 1; the policy allows 15 %."
    )
    expect(page.locator("[data-testid=offer-margin]")).to_contain_text("€56.00")
    expect(page.locator("[data-testid=line-net]")).to_have_text("€336.00")
    page.locator("[data-testid=submit-offer]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Submitted")
    expect(page.locator("[data-testid=pending-approvals]")).to_contain_text("the account's sales lead")
    page.screenshot(path=str(screenshots / "offer-submitted.png"), full_page=True)
    offer_url = page.url

    # the lead reads why and approves
    page.context.clear_cookies()
    _sign_in(page, "lead@porta.example")
    page.goto(offer_url)
    expect(page.locator("[data-testid=grade-reasons]")).to_contain_text("Discount 30 % on line 1")
    page.select_option("#id_commercial-decision", "approved")
    page.fill("#id_commercial-comment", "Fine for a first order.")
    page.locator("[data-testid=decide-commercial-submit]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Approved")
    expect(page.locator("[data-testid=approval-history]")).to_contain_text("Fine for a first order.")

    # the ae sends it and wins it
    page.context.clear_cookies()
    _sign_in(page, "ae@porta.example")
    page.goto(offer_url)
    page.locator("[data-testid=send-offer]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Sent")
    page.locator("[data-testid=win-offer]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Won")
    page.screenshot(path=str(screenshots / "offer-won.png"), full_page=True)
    offer_id = int(re.search(r"/offers/(\d+)/", offer_url).group(1))
    with transaction.atomic(), tenant_scope(p.org):
        offer = Offer.objects.get(pk=offer_id)
        decisions = list(OfferApproval.objects.filter(offer=offer).values_list("kind", "decision", "decided_by_id"))
    assert (offer.status, offer.grade, decisions) == ("won", "B", [("commercial", "approved", p.lead.pk)])
