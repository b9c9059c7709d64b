"""In Chromium, issue 12's flow end to end: finance issues an invoice, records a part payment and
allocates it, and pulls the account's statement as PDF (turned into a PNG with pdftoppm, kept
with the screenshots) and as XLSX; then the account executive sees the account's balance and its
overdue invoice on the account page."""

import re
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO

from django.db import transaction
from openpyxl import load_workbook
from playwright.sync_api import expect

from billing import selectors, services
from billing.models import Allocation, Payment
from tenancy.scope import tenant_scope
from tenancy.templatetags.ui import money


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def test_finance_issues_is_paid_in_part_and_pulls_the_statement_and_the_ae_sees_the_balance(
    tworld, page_factory, screenshots, tmp_path
):
    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            lines=[{"product": p.product, "quantity": Decimal("1")}],
        )
    page = page_factory(width=1280, height=900)
    _sign_in(page, "finance@porta.example")

    # finance issues the draft
    page.goto(f"/o/porta/billing/invoices/{draft.pk}/")
    page.locator("[data-testid=issue-invoice]").click()
    page.locator("[data-testid=confirm-issue]").click()
    expect(page.locator("[data-testid=invoice-title]")).to_have_text(re.compile(r"Invoice \d{4}-\d{6}"))
    expect(page.locator("[data-testid=total]")).to_have_text("€145.20")

    # a part payment of 50.00: the proposal puts it on the oldest due invoice (the world's, 90.40 open)
    page.goto("/o/porta/billing/payments/new/")
    page.select_option("#id_account", str(p.account.pk))
    # the account's open invoices are proposed (the world's and the one just issued) before the amount
    expect(page.locator("[data-testid=proposal-row]")).to_have_count(2)
    page.fill("#id_amount", "50")
    page.locator("#id_amount").press("Tab")
    expect(page.locator(f"#id_invoice_{p.invoice.pk}")).to_have_value("50.00")
    expect(page.locator(f"#id_invoice_{draft.pk}")).to_have_value("")
    page.fill("#id_reference", "E2E-PART-1")
    page.locator("[data-testid=record]").click()
    expect(page.locator("[data-testid=payment-title]")).to_contain_text("50.00")
    expect(page.locator("[data-testid=unallocated]")).to_have_text("€0.00")
    with transaction.atomic(), tenant_scope(p.org):
        payment = Payment.objects.get(reference="E2E-PART-1")
        allocated = list(Allocation.objects.filter(payment=payment).values_list("invoice_id", "amount"))
        summary = selectors.account_billing_summary(organization=p.org, accounts=[p.account])[p.account.pk]
    assert allocated == [(p.invoice.pk, Decimal("50.00"))]
    assert summary.overdue == Decimal("40.40")

    # the statement, as PDF and as XLSX
    page.goto(f"/o/porta/billing/accounts/{p.account.pk}/statement/")
    expect(page.locator("main")).to_contain_text("E2E-PART-1")
    # the links' files, fetched with the browser's session (Chromium would show a PDF, not save it)
    answer = page.request.get(page.locator("[data-testid=download-pdf]").get_attribute("href"), timeout=60_000)
    assert answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(answer.body())
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000  # a drawn A4 page, not a blank one
    shutil.copy(png, screenshots / "statement-pdf-page-1.png")
    with page.expect_download() as xlsx_download:
        page.locator("[data-testid=download-xlsx]").click()
    xlsx = tmp_path / "statement.xlsx"
    xlsx_download.value.save_as(xlsx)
    cells = [
        cell for row in load_workbook(BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True) for cell in row
    ]
    with transaction.atomic(), tenant_scope(p.org):
        number = type(draft).objects.get(pk=draft.pk).number
    assert number in cells
    assert "E2E-PART-1" in " ".join(str(c) for c in cells if c is not None)

    # the account executive sees the balance and the overdue invoice on the account page
    ae = page_factory(width=1280, height=900)
    _sign_in(ae, "ae@porta.example")
    ae.goto(f"/o/porta/accounts/{p.account.pk}/")
    expect(ae.locator("[data-testid=account-balance]")).to_have_text(money(summary.balance, "EUR"))
    expect(ae.locator("[data-testid=account-overdue]")).to_have_text(money(Decimal("40.40"), "EUR"))
    expect(ae.locator("[data-testid=account-oldest-overdue]")).to_contain_text(p.invoice.number)
    # A proposal refresh still in flight when the form is sent is aborted by the navigation, and
    # htmx logs that pair; any other message (a failed request, a script error) fails the test.
    aborted = ["htmx:afterRequest, [object HTMLDivElement]", "htmx:sendAbort, [object HTMLDivElement]"]
    assert [e for e in page.console_errors if e not in aborted] == []
    assert ("htmx:sendAbort, [object HTMLDivElement]" in page.console_errors) == (
        "htmx:afterRequest, [object HTMLDivElement]" in page.console_errors
    )
    assert ae.console_errors == []
