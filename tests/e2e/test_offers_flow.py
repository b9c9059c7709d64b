"""In Chromium, issue 13's flow end to end: an account executive drafts an offer whose discount
breaches finance's risk policy, changes a line in place and submits it; the account's sales lead
sees why and approves it; the account executive reads the PDF, mails it, wins it and records a
partial delivery; finance invoices the delivered quantity and the billing check shows what is
left."""

import re
import subprocess

from django.db import transaction
from playwright.sync_api import expect

from offers.models import Offer, OfferApproval, OfferSending
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def test_an_offer_over_the_discount_goes_from_draft_to_delivered_and_invoiced(
    tworld, page_factory, screenshots, tmp_path
):
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
    page.locator("[data-testid=edit-line]").click()
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

    # the ae reads the PDF the client will get, mails it, and wins it
    page.context.clear_cookies()
    _sign_in(page, "ae@porta.example")
    page.goto(offer_url)
    pdf = page.request.get(page.locator("[data-testid=offer-pdf]").get_attribute("href"))
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    (tmp_path / "offer.pdf").write_bytes(pdf.body())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "offer.pdf"),
            str(screenshots / "offer-pdf"),
        ],
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "offer.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Gateway roll-out" in text and "30" in text
    expect(page.locator("#id_send-email")).to_have_value("contact@porta-client.example")
    page.locator("[data-testid=mail-offer]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Sent")
    page.locator("[data-testid=win-offer]").click()
    expect(page.locator("[data-testid=offer-status]")).to_have_text("Won")

    # the order is there: the ae records a first delivery of 1 of the 4 kits
    order_line = page.locator("[data-testid=order-line]").first
    order_line.locator("[data-testid=delivery-form] input[name=quantity]").fill("1")
    order_line.locator("[data-testid=delivery-form] button").click()
    expect(page.locator("[data-testid=order-delivery]")).to_have_count(1)
    page.screenshot(path=str(screenshots / "offer-won.png"), full_page=True)

    # finance invoices what was delivered and issues the invoice
    page.context.clear_cookies()
    _sign_in(page, "finance@porta.example")
    page.goto(offer_url)
    page.locator("[data-testid=order-invoice]").click()
    page.locator("[data-testid=issue-invoice]").click()
    page.locator("[data-testid=confirm-issue]").click()
    expect(page.locator("[data-testid=invoice-title]")).to_have_text(re.compile(r"Invoice \d{4}-\d{6}"))
    expect(page.locator("[data-testid=total]")).to_have_text("€101.64")  # 1 kit: 120.00 − 30 %, and 21 % VAT

    # the billing check: 4 ordered, 1 delivered (not yet received), 1 invoiced; 3 left to deliver
    page.goto(offer_url)
    cells = page.locator("[data-testid=order-line]").first.locator("td.ad-num")
    expect(cells).to_have_text(["4", "1", "0", "1", "0"])
    expect(page.locator("[data-testid=order-difference]")).to_have_text(["delivered, not received: 1"])
    offer_id = int(re.search(r"/offers/(\d+)/", offer_url).group(1))
    with transaction.atomic(), tenant_scope(p.org):
        offer = Offer.objects.get(pk=offer_id)
        decisions = list(OfferApproval.objects.filter(offer=offer).values_list("kind", "decision", "decided_by_id"))
        sending = OfferSending.objects.get(offer=offer)
    assert (offer.status, offer.grade, decisions) == ("won", "B", [("commercial", "approved", p.lead.pk)])
    assert (sending.recipient_email, sending.revision) == ("contact@porta-client.example", 1)
