"""In Chromium: finance drafts an invoice on the new-invoice form (a product's price and rate
from the catalogue, a line of free text), changes a line in place and adds another (htmx: the
lines and the totals follow), issues it and sees the number it got; an account executive reads
it. Screenshots of the list, the form and the invoice (draft and issued) at desktop and phone
widths, light and dark."""

import re
from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from billing.models import Invoice
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


@pytest.mark.parametrize(
    ("width", "scheme", "label"),
    [
        (1280, "light", "desktop-light"),
        (390, "light", "phone-light"),
        (1280, "dark", "desktop-dark"),
        (390, "dark", "phone-dark"),
    ],
)
def test_finance_drafts_changes_and_issues_an_invoice(tworld, page_factory, screenshots, width, scheme, label):
    p = tworld.porta
    page = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(page, "finance@porta.example")
    page.goto("/o/porta/billing/invoices/")
    expect(page.locator("[data-testid=invoice-row]")).to_have_count(1)
    page.screenshot(path=screenshots / f"invoices-{label}.png", full_page=True)
    page.locator("[data-testid=new-invoice]").click()
    page.wait_for_url("**/billing/invoices/new/")
    form = page.locator("[data-testid=invoice-form]")
    form.locator("select[name=account]").select_option(str(p.account.pk))
    expect(page.locator("[data-testid=invoice-terms]")).to_contain_text("Invoiced in EUR")
    form.locator("select[name=lines-0-product]").select_option(str(p.product.pk))
    form.locator("input[name=lines-0-quantity]").fill("3")
    form.locator("input[name=lines-1-description]").fill("Night installation surcharge")
    form.locator("input[name=lines-1-quantity]").fill("1")
    form.locator("input[name=lines-1-unit_price]").fill("80")
    form.locator("select[name=lines-1-tax_rate]").select_option(str(p.vat21.pk))
    form.locator("[data-add-line]").click()
    expect(form.locator("[data-line]")).to_have_count(4)
    page.screenshot(path=screenshots / f"invoice-new-{label}.png", full_page=True)
    form.locator("[data-testid=save-draft]").click()
    page.wait_for_url(re.compile(r".*/billing/invoices/\d+/$"))
    expect(page.locator("[data-testid=line-row]")).to_have_count(2)
    expect(page.locator("[data-testid=total]")).to_have_text("€532.40")
    # a line changed in place: the lines and the totals follow
    page.locator("[data-testid=line-row]").first.locator("[data-testid=edit-line]").click()
    line_form = page.locator("[data-testid=line-form]")
    line_form.locator("input[name$=-quantity]").fill("2")
    line_form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=total]")).to_have_text("€387.20")
    add = page.locator("[data-testid=add-line-form]")
    add.locator("select[name=add-product]").select_option(str(p.product2.pk))
    add.locator("input[name=add-quantity]").fill("1.5")
    add.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=line-row]")).to_have_count(3)
    expect(page.locator("[data-testid=total]")).to_have_text("€505.18")
    page.screenshot(path=screenshots / f"invoice-draft-{label}.png", full_page=True)
    page.locator("[data-testid=issue-invoice]").click()
    page.locator("[data-testid=confirm-issue]").click()
    expect(page.locator("[data-testid=invoice-title]")).to_have_text(re.compile(r"Invoice \d{4}-000002"))
    expect(page.locator("#toasts")).to_contain_text(re.compile(r"Invoice \d{4}-000002 issued\."))
    page.screenshot(path=screenshots / f"invoice-issued-{label}.png", full_page=True)
    assert page.console_errors == []
    with transaction.atomic(), tenant_scope(p.org):
        invoice = Invoice.objects.exclude(pk=p.invoice.pk).get()
        assert (invoice.status, invoice.total, invoice.lines.count()) == ("issued", Decimal("505.18"), 3)
    # the account executive reads it, and is offered nothing to change
    reader = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(reader, "ae@porta.example")
    reader.goto(f"/o/porta/billing/invoices/{invoice.pk}/")
    expect(reader.locator("[data-testid=total]")).to_have_text("€505.18")
    expect(reader.locator("[data-testid=invoice-actions] a")).to_have_count(0)
