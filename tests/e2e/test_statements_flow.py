"""In Chromium: an account executive opens an account's statement from its page, changes the
period, downloads it as PDF and XLSX, and looks at one product's statement; finance asks for
everyone's statements and downloads the ZIP when the progress bar is full. Screenshots at
1280 and 390 pixels, light and dark."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from playwright.sync_api import expect

from billing import services
from clients import services as clients_services
from tenancy.scope import tenant_scope

D = Decimal
START, END = date(2024, 1, 1), date(2024, 6, 30)


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


def _half_a_year(p) -> None:
    """Porta Account's first half of 2024: an invoice a month (kits and installation hours),
    most paid on time, one paid in two parts, one credited in part, a payment that bounced, and
    the client's finance contact (Catalan)."""
    with transaction.atomic(), tenant_scope(p.org):
        clients_services.contact_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            full_name="Marta Puig",
            email="marta@porta-client.example",
            buying_role="finance",
            language="ca",
        )
        invoices = []
        for month in range(1, 7):
            invoice = services.invoice_create(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                issue_date=date(2024, month, 5),
                lines=[
                    {"product": p.product, "quantity": D(month % 3 + 1)},
                    {"product": p.product2, "quantity": D(month + 1)},
                ],
            )
            invoices.append(services.invoice_issue(organization=p.org, actor=p.finance, invoice=invoice))
        for invoice in invoices[:3]:
            services.payment_record(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                amount=invoice.total,
                received_on=invoice.due_date - timedelta(days=2),
                reference=f"TR-{invoice.number}",
                allocations=[(invoice, invoice.total)],
            )
        fourth = invoices[3]
        half = (fourth.total / 2).quantize(D("0.01"))
        for n, day in enumerate((fourth.due_date, fourth.due_date + timedelta(days=20))):
            services.payment_record(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                amount=half,
                received_on=day,
                reference=f"PART-{n + 1}",
                allocations=[(fourth, half)],
            )
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoices[4],
            reason="One kit returned, damaged.",
            lines=[(invoices[4].lines.get(product=p.product), D("1"))],
            issue_date=date(2024, 5, 20),
        )
        bounced = services.payment_record(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            amount=D("500.00"),
            received_on=date(2024, 6, 10),
            method="direct_debit",
            reference="SEPA-0610",
            allocations=[(invoices[4], D("500.00"))],
        )
        services.payment_reverse(
            organization=p.org,
            actor=p.finance,
            payment=bounced,
            reversed_on=date(2024, 6, 14),
            reason="Direct debit returned: insufficient funds.",
        )


@pytest.mark.parametrize(
    ("width", "label", "scheme"),
    [(1280, "desktop", "light"), (1280, "desktop", "dark"), (390, "phone", "light"), (390, "phone", "dark")],
)
def test_an_account_executive_pulls_the_statement_from_the_account_page(
    tworld, page_factory, screenshots, width, label, scheme
):
    p = tworld.porta
    _half_a_year(p)
    page = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(page, "ae@porta.example")
    page.goto(f"/o/porta/accounts/{p.account.pk}/")
    page.locator("[data-testid=account-statement]").click()
    page.wait_for_url(f"**/o/porta/billing/accounts/{p.account.pk}/statement/")
    form = page.locator("[data-testid=statement-period]")
    form.locator("input[name=start]").fill(START.isoformat())
    form.locator("input[name=end]").fill(END.isoformat())
    form.get_by_role("button", name="Show").click()
    page.wait_for_url("**/statement/?start=2024-01-01&end=2024-06-30")
    expect(page.locator("[data-testid=statement-entry]")).to_have_count(14)
    expect(page.locator("[data-testid=statement-closing]")).to_have_text("€1,458.06")
    expect(page.locator("[data-testid=statement-reader]")).to_contain_text("The PDF is in Catalan")
    page.screenshot(path=screenshots / f"statement-{label}-{scheme}.png", full_page=True)
    if label == "desktop" and scheme == "light":
        with page.expect_download() as pdf:
            page.locator("[data-testid=download-pdf]").click()
        assert pdf.value.suggested_filename == "statement-porta-account-2024-01-01-2024-06-30.pdf"
        assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
        with page.expect_download() as xlsx:
            page.locator("[data-testid=download-xlsx]").click()
        sheet = openpyxl.load_workbook(io.BytesIO(open(xlsx.value.path(), "rb").read())).worksheets[0]
        assert (sheet["A12"].value, sheet["B12"].value) == ("Closing balance", 1458.06)
    # one product's statement
    page.get_by_role("link", name="By product").click()
    page.locator("[data-testid=statement-choose]").wait_for()
    page.locator("[data-testid=statement-period] select[name=product]").select_option(label="PORTA-001 · Sensor kit")
    page.locator("[data-testid=statement-period]").get_by_role("button", name="Show").click()
    expect(page.locator("[data-testid=product-row][data-kind=invoice]")).to_have_count(6)
    expect(page.locator("[data-testid=pro-rata-note]")).to_contain_text("attributed to the product pro rata")
    page.screenshot(path=screenshots / f"statement-product-{label}-{scheme}.png", full_page=True)
    assert page.console_errors == []


def test_finance_prepares_everyones_statements_and_downloads_the_zip(
    tworld, page_factory, screenshots, celery_worker_process
):
    p = tworld.porta
    _half_a_year(p)
    page = page_factory(width=1280, height=900)
    _sign_in(page, "finance@porta.example")
    page.goto("/o/porta/billing/statements/")
    expect(page.locator("[data-testid=statement-row]")).to_have_count(1)
    page.screenshot(path=screenshots / "statements-list-desktop.png", full_page=True)
    form = page.locator("[data-testid=statement-batch-form]")
    form.locator("input[name=start]").fill(START.isoformat())
    form.locator("input[name=end]").fill(END.isoformat())
    form.locator("select[name=file_format]").select_option("pdf")
    form.locator("[data-testid=statement-batch-submit]").click()
    page.wait_for_url("**/o/porta/billing/statements/batches/*/")
    page.locator("[data-testid=batch-status][data-status=done]").wait_for(timeout=60_000)
    expect(page.locator("[data-testid=batch-status]")).to_contain_text("Ready: 1 statement.")
    page.screenshot(path=screenshots / "statements-batch-done-desktop.png", full_page=True)
    with page.expect_download() as download:
        page.locator("[data-testid=batch-download]").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        (name,) = archive.namelist()
        assert name == f"porta-digital-client-sl-porta-account-{p.account.pk}.pdf"
        assert archive.read(name).startswith(b"%PDF")
    assert page.console_errors == []
