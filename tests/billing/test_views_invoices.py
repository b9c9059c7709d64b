"""The invoice and credit note pages: everyone reads the invoices of the accounts they see;
finance alone drafts, changes, issues and credits them (the others get 403 on its forms, an
invoice of an account they do not see or of another organisation 404); every bad input on a
form with its sentence and nothing written; the lines edited in place by htmx; the lists'
filters, sort, exports and fixed query counts."""

import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services as accounts_services
from billing import services
from billing.models import CreditNote, Invoice
from tests.factories import post_unchanged, signed_in

ROLES = ["admin", "lead", "ae", "ae2", "finance"]
READERS = ["admin", "lead", "ae", "ae2"]


def _invoice_ids(content: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'data-testid="invoice-row" data-invoice-id="(\d+)"', content)]


def _line_ids(content: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'data-testid="line-row" data-line-id="(\d+)"', content)]


def _field_errors(content: bytes) -> dict[str, str]:
    """{field id: its first message} of a rendered form."""
    found = re.findall(
        r'<div id="id_([\w-]+)_error"><div class="invalid-feedback d-block">(.*?)</div>', content.decode()
    )
    return {name: html.unescape(message) for name, message in found}


def _form_alert(content: bytes) -> str:
    found = re.search(r'data-testid="form-errors">\s*(.*?)\s*</div>', content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def _toasts(content: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<div class="toast-body">([^<]+)</div>', content.decode())]


def _text(content: bytes, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', content.decode(), re.S)
    return html.unescape(found.group(1)).strip()


def _draft(world, in_scope, *, lines=None, account=None, **fields) -> Invoice:
    """A draft of `world`'s account by finance: two of the sensor kit (EUR 240.00 + 21 %)."""
    p = world.porta
    with in_scope(p.org):
        return services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            lines=lines if lines is not None else [{"product": p.product, "quantity": Decimal("2")}],
            **fields,
        )


def _hidden_account(world, in_scope):
    """An account of ae2's, in no team: the lead sees it (ae2 is in their team), ae does not."""
    p = world.porta
    with in_scope(p.org):
        return accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Porta Hidden Account",
            owner=p.ae2,
            currency="EUR",
            payment_terms_days=60,
        )


def _create_data(world, **overrides) -> dict:
    """The new-invoice form as a browser sends it: the account and one line of two sensor kits."""
    p = world.porta
    data = {
        "account": p.account.pk,
        "issue_date": "",
        "due_date": "",
        "notes": "Payment by bank transfer.",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": p.product.pk,
        "lines-0-description": "",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "",
        "lines-0-discount_percent": "",
        "lines-0-tax_rate": "",
    }
    return data | overrides


# --- Who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_invoices_of_the_accounts_they_see(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    listing = browser.get("/o/porta/billing/invoices/")
    detail = browser.get(f"/o/porta/billing/invoices/{p.invoice.pk}/")
    note = browser.get(f"/o/porta/billing/credit-notes/{p.credit_note.pk}/")
    assert (listing.status_code, detail.status_code, note.status_code) == (200, 200, 200)
    assert _invoice_ids(listing.content) == [p.invoice.pk]
    assert _text(detail.content, "outstanding") == "€90.40"
    assert b"NORDWIND" not in listing.content + detail.content + note.content
    # the forms are offered to finance only
    offered = [b'data-testid="new-invoice"' in listing.content, b'data-testid="credit-invoice"' in detail.content]
    assert offered == [role == "finance"] * 2


def test_an_account_executive_does_not_see_the_invoices_of_an_account_they_do_not_see(world, in_scope):
    p = world.porta
    hidden = _hidden_account(world, in_scope)
    invoice = _draft(world, in_scope, account=hidden)
    with in_scope(p.org):
        invoice = services.invoice_issue(organization=p.org, actor=p.finance, invoice=invoice)
        note = services.credit_note_create(organization=p.org, actor=p.finance, invoice=invoice, reason="x", whole=True)
    ae, lead = signed_in(p.ae), signed_in(p.lead)
    assert _invoice_ids(ae.get("/o/porta/billing/invoices/").content) == [p.invoice.pk]
    assert _invoice_ids(lead.get("/o/porta/billing/invoices/").content) == [invoice.pk, p.invoice.pk]
    urls = [
        f"/o/porta/billing/invoices/{invoice.pk}/",
        f"/o/porta/billing/invoices/{invoice.pk}/credit/",
        f"/o/porta/billing/credit-notes/{note.pk}/",
    ]
    assert [ae.get(url).status_code for url in urls] == [404, 404, 404]
    assert _invoice_ids(ae.get(f"/o/porta/billing/invoices/?account={hidden.pk}").content) == [p.invoice.pk]
    assert [lead.get(url).status_code for url in urls] == [200, 403, 200]
    assert b"Porta Hidden Account" not in ae.get("/o/porta/billing/credit-notes/").content
    # not even offered as a filter
    assert b"Porta Hidden Account" not in ae.get("/o/porta/billing/invoices/").content


def test_an_account_executive_posting_to_an_invoice_they_do_not_see_gets_404_and_nothing_changes(world, in_scope):
    hidden = _hidden_account(world, in_scope)
    invoice = _draft(world, in_scope, account=hidden)
    response, unchanged = post_unchanged(world.porta.ae, f"/o/porta/billing/invoices/{invoice.pk}/issue/", {})
    assert (response.status_code, unchanged) == (404, True)


def test_another_organisations_invoice_and_credit_note_are_not_found_even_for_finance(world):
    browser = signed_in(world.porta.finance)
    n = world.nordwind
    for url in (
        f"/o/porta/billing/invoices/{n.invoice.pk}/",
        f"/o/porta/billing/invoices/{n.invoice.pk}/credit/",
        f"/o/porta/billing/invoices/{n.invoice.pk}/lines/{n.invoice_line.pk}/",
        f"/o/porta/billing/credit-notes/{n.credit_note.pk}/",
    ):
        assert browser.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ROLES)
def test_finances_forms_answer_403_to_those_who_only_read(world, in_scope, role):
    p = world.porta
    draft = _draft(world, in_scope)
    with in_scope(world.porta.org):
        line = draft.lines.get()
    browser = signed_in(getattr(p, role))
    urls = [
        "/o/porta/billing/invoices/new/",
        f"/o/porta/billing/invoices/{draft.pk}/edit/",
        f"/o/porta/billing/invoices/{draft.pk}/delete/",
        f"/o/porta/billing/invoices/{draft.pk}/issue/",
        f"/o/porta/billing/invoices/{draft.pk}/lines/{line.pk}/",
        f"/o/porta/billing/invoices/{p.invoice.pk}/credit/",
    ]
    expected = 200 if role == "finance" else 403
    assert {url: browser.get(url).status_code for url in urls} == dict.fromkeys(urls, expected)


@pytest.mark.parametrize("role", READERS)
def test_a_reader_posting_finances_forms_is_refused_and_nothing_is_written(world, in_scope, role):
    p = world.porta
    draft = _draft(world, in_scope)
    with in_scope(world.porta.org):
        line = draft.lines.get()
    for url, data in [
        ("/o/porta/billing/invoices/new/", _create_data(world)),
        (f"/o/porta/billing/invoices/{draft.pk}/edit/", {"notes": "Mine now"}),
        (f"/o/porta/billing/invoices/{draft.pk}/delete/", {}),
        (f"/o/porta/billing/invoices/{draft.pk}/issue/", {}),
        (f"/o/porta/billing/invoices/{draft.pk}/lines/", {"add-description": "X", "add-quantity": "1"}),
        (f"/o/porta/billing/invoices/{draft.pk}/lines/{line.pk}/", {f"line-{line.pk}-quantity": "9"}),
        (f"/o/porta/billing/invoices/{draft.pk}/lines/{line.pk}/remove/", {}),
        (f"/o/porta/billing/invoices/{p.invoice.pk}/credit/", {"whole": "on", "reason": "Returned"}),
    ]:
        response, unchanged = post_unchanged(getattr(p, role), url, data)
        assert (url, response.status_code, unchanged) == (url, 403, True)


def test_the_navigation_has_a_billing_section_with_invoices_and_credit_notes(world):
    html_text = signed_in(world.porta.ae).get("/o/porta/billing/invoices/").content.decode()
    assert '<div class="ad-nav-heading">Billing</div>' in html_text
    assert (
        '<a class="nav-link active" href="/o/porta/billing/invoices/"><i class="bi bi-receipt"></i> Invoices</a>'
        in (html_text)
    )
    notes = signed_in(world.porta.ae).get("/o/porta/billing/credit-notes/").content.decode()
    assert (
        '<a class="nav-link active" href="/o/porta/billing/credit-notes/"><i class="bi bi-receipt-cutoff"></i> '
        "Credit notes</a>"
    ) in notes


# --- Creating a draft -------------------------------------------------------------------------


def test_finance_drafts_an_invoice_with_a_product_line_and_a_line_of_free_text(world, in_scope):
    p = world.porta
    issued_on = timezone.localdate()
    data = _create_data(
        world,
        issue_date=issued_on.isoformat(),
        **{
            "lines-1-description": "Night installation surcharge",
            "lines-1-quantity": "1.5",
            "lines-1-unit_price": "80",
            "lines-1-discount_percent": "10",
            "lines-1-tax_rate": p.vat21.pk,
        },
    )
    browser = signed_in(p.finance)
    response = browser.post("/o/porta/billing/invoices/new/", data)
    with in_scope(p.org):
        invoice = Invoice.objects.exclude(pk=p.invoice.pk).get()
        lines = list(
            invoice.lines.values_list("position", "product", "description", "quantity", "unit_price", "net", "tax_rate")
        )
    assert response.status_code == 302 and response["Location"] == f"/o/porta/billing/invoices/{invoice.pk}/"
    assert (invoice.status, invoice.number, invoice.currency, invoice.issue_date, invoice.due_date) == (
        "draft",
        None,
        "EUR",
        issued_on,
        issued_on + timedelta(days=30),
    )
    assert (invoice.net_total, invoice.tax_total, invoice.total, invoice.notes) == (
        Decimal("348.00"),
        Decimal("73.08"),
        Decimal("421.08"),
        "Payment by bank transfer.",
    )
    assert lines == [
        (1, p.product.pk, "Sensor kit", Decimal("2.000"), Decimal("120.00"), Decimal("240.00"), p.vat21.pk),
        (2, None, "Night installation surcharge", Decimal("1.500"), Decimal("80.00"), Decimal("108.00"), p.vat21.pk),
    ]
    page = browser.get(response["Location"])
    assert _toasts(page.content) == ["Draft invoice saved: check it and issue it."]
    assert re.findall(
        r'data-testid="tax-row"><td>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>', page.content.decode()
    ) == [("VAT 21%", "€348.00", "€73.08")]


def test_the_new_invoice_form_offers_the_accounts_one_sees_and_says_the_accounts_terms(world, in_scope):
    p = world.porta
    hidden = _hidden_account(world, in_scope)
    page = signed_in(p.finance).get("/o/porta/billing/invoices/new/").content.decode()
    accounts = page.split('name="account"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', accounts) == [
        ("", "Choose an account"),
        (str(p.account.pk), "Porta Account · Porta Client"),
        (str(hidden.pk), "Porta Hidden Account · Porta Client"),
    ]
    # the notes start as the billing settings say; the obsolete product is not offered
    assert "Payment by bank transfer.</textarea>" in page
    assert "PORTA-000" not in page and "PORTA-001 · Sensor kit" in page
    terms = signed_in(p.finance).get(f"/o/porta/billing/invoices/new/?account={p.account.pk}", HTTP_HX_REQUEST="true")
    assert terms.content.lstrip().startswith(b'<div id="invoice-terms"')
    assert "Invoiced in EUR, the account's currency. Payment terms: 30 days." in html.unescape(terms.content.decode())


BAD_LINES = [
    pytest.param({"lines-0-quantity": "0"}, {"lines-0-quantity": "The quantity must be more than zero."}, id="zero"),
    pytest.param(
        {"lines-0-quantity": "-2"}, {"lines-0-quantity": "The quantity must be more than zero."}, id="negative"
    ),
    pytest.param(
        {"lines-0-discount_percent": "150"},
        {"lines-0-discount_percent": "A discount is a percentage from 0 to 100."},
        id="discount over 100",
    ),
    pytest.param({"lines-0-unit_price": "120.005"}, {"lines-0-unit_price": "At most two decimals."}, id="3 decimals"),
    pytest.param({"lines-0-quantity": "1.0005"}, {"lines-0-quantity": "At most three decimals."}, id="4 decimals"),
    pytest.param(
        {"lines-0-unit_price": "10000000000000"}, {"lines-0-unit_price": "That amount is too large."}, id="over range"
    ),
    pytest.param(
        {"lines-0-quantity": "999999999", "lines-0-unit_price": "999999999999"},
        {"lines-0-quantity": "Quantity × unit price is too large."},
        id="line too large",
    ),
    pytest.param(
        {"lines-0-quantity": "two"}, {"lines-0-quantity": "Enter a quantity, like 2 or 1.5."}, id="not a number"
    ),
    pytest.param(
        {"lines-0-product": "", "lines-0-unit_price": "10"},
        {"lines-0-description": "Describe the line, or choose a product.", "lines-0-tax_rate": "Choose a tax rate."},
        id="no product, no description, no rate",
    ),
]


@pytest.mark.parametrize(("line", "errors"), BAD_LINES)
def test_a_bad_line_is_refused_on_its_field_and_nothing_is_written(world, line, errors):
    response, unchanged = post_unchanged(
        world.porta.finance, "/o/porta/billing/invoices/new/", _create_data(world, **line)
    )
    assert (response.status_code, _field_errors(response.content), unchanged) == (400, errors, True)


def test_a_line_on_an_obsolete_product_is_refused_naming_its_replacement(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.finance,
        "/o/porta/billing/invoices/new/",
        _create_data(world, **{"lines-0-product": p.old_product.pk, "lines-0-unit_price": "100"}),
    )
    assert (response.status_code, unchanged) == (400, True)
    assert _field_errors(response.content) == {
        "lines-0-product": "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit."
    }
    # the product chosen stays chosen, so the person sees what was refused
    assert f'<option value="{p.old_product.pk}" selected>PORTA-000 · Sensor kit (2019)</option>' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("fields", "errors", "alert"),
    [
        pytest.param(
            {"issue_date": "2026-03-10", "due_date": "2026-03-01"},
            {"due_date": "The due date cannot be before the issue date."},
            "Some fields need attention.",
            id="due before issue",
        ),
        pytest.param(
            {"issue_date": "10/03/2026x"},
            {"issue_date": "Enter a valid date."},
            "Some fields need attention.",
            id="not a date",
        ),
        pytest.param(
            {"account": ""},
            {"account": "Choose the account to invoice."},
            "Some fields need attention.",
            id="no account",
        ),
    ],
)
def test_a_bad_header_is_refused_on_its_field_and_nothing_is_written(world, fields, errors, alert):
    response, unchanged = post_unchanged(
        world.porta.finance, "/o/porta/billing/invoices/new/", _create_data(world, **fields)
    )
    assert (response.status_code, _field_errors(response.content), _form_alert(response.content), unchanged) == (
        400,
        errors,
        alert,
        True,
    )


def test_ids_of_another_organisation_are_refused_on_the_form_and_nothing_is_written(world):
    n = world.nordwind
    data = _create_data(
        world, account=n.account.pk, **{"lines-0-product": n.product.pk, "lines-0-tax_rate": n.vat21.pk}
    )
    response, unchanged = post_unchanged(world.porta.finance, "/o/porta/billing/invoices/new/", data)
    assert (response.status_code, unchanged) == (400, True)
    assert _field_errors(response.content) == {
        "account": "Choose an account of this organisation.",
        "lines-0-product": "Choose a product of this organisation.",
        "lines-0-tax_rate": "Choose a tax rate of this organisation.",
    }
    assert "NORDWIND" not in response.content.decode()


# --- A draft's lines, in place ------------------------------------------------------------------


def test_a_line_is_changed_in_place_and_the_totals_follow(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    with in_scope(world.porta.org):
        line = draft.lines.get()
    browser = signed_in(p.finance)
    url = f"/o/porta/billing/invoices/{draft.pk}/lines/{line.pk}/"
    editing = browser.get(url, HTTP_HX_REQUEST="true")
    assert editing.content.lstrip().startswith(b'<div id="invoice-lines"')
    assert f'name="line-{line.pk}-quantity" value="2"'.encode() in editing.content
    saved = browser.post(
        url,
        {
            f"line-{line.pk}-product": p.product.pk,
            f"line-{line.pk}-description": "Sensor kit",
            f"line-{line.pk}-quantity": "3",
            f"line-{line.pk}-unit_price": "120.00",
            f"line-{line.pk}-discount_percent": "10",
            f"line-{line.pk}-tax_rate": p.vat21.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and saved.content.lstrip().startswith(b'<div id="invoice-lines"')
    assert (_text(saved.content, "net-total"), _text(saved.content, "total")) == ("€324.00", "€392.04")
    with in_scope(p.org):
        line.refresh_from_db()
    assert (line.quantity, line.discount_percent, line.net) == (Decimal("3.000"), Decimal("10.00"), Decimal("324.00"))


def test_a_line_is_added_and_removed_in_place(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    browser = signed_in(p.finance)
    added = browser.post(
        f"/o/porta/billing/invoices/{draft.pk}/lines/",
        {"add-product": p.product2.pk, "add-quantity": "1.5"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200 and _text(added.content, "total") == "€408.38"
    first, second = _line_ids(added.content)
    removed = browser.post(f"/o/porta/billing/invoices/{draft.pk}/lines/{first}/remove/", HTTP_HX_REQUEST="true")
    assert (_line_ids(removed.content), _text(removed.content, "total")) == ([second], "€117.98")


def test_a_bad_line_added_in_place_is_refused_on_its_field_and_nothing_is_written(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    response, unchanged = post_unchanged(
        p.finance,
        f"/o/porta/billing/invoices/{draft.pk}/lines/",
        {"add-product": p.old_product.pk, "add-quantity": "0", "add-unit_price": "100"},
        HTTP_HX_REQUEST="true",
    )
    assert (response.status_code, unchanged) == (400, True)
    assert _field_errors(response.content) == {
        "add-product": "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit.",
        "add-quantity": "The quantity must be more than zero.",
    }


def test_a_lines_page_without_htmx_is_the_invoice_with_that_line_in_a_form(world, in_scope):
    draft = _draft(world, in_scope)
    with in_scope(world.porta.org):
        line = draft.lines.get()
    page = signed_in(world.porta.finance).get(f"/o/porta/billing/invoices/{draft.pk}/lines/{line.pk}/")
    assert page.status_code == 200 and b"<html" in page.content
    assert f'data-testid="line-editing" data-line-id="{line.pk}"'.encode() in page.content


# --- Changing, deleting and issuing a draft ----------------------------------------------------------


def test_finance_changes_a_drafts_dates_and_notes(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    today = timezone.localdate()
    response = signed_in(p.finance).post(
        f"/o/porta/billing/invoices/{draft.pk}/edit/",
        {"issue_date": today.isoformat(), "due_date": "", "notes": "Pay within 30 days."},
    )
    with in_scope(p.org):
        draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.issue_date, draft.due_date, draft.notes) == (today, today + timedelta(days=30), "Pay within 30 days.")


def test_finance_deletes_a_draft(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    browser = signed_in(p.finance)
    confirm = browser.get(f"/o/porta/billing/invoices/{draft.pk}/delete/")
    assert b'data-testid="confirm-delete"' in confirm.content
    response = browser.post(f"/o/porta/billing/invoices/{draft.pk}/delete/")
    assert response["Location"] == "/o/porta/billing/invoices/"
    with in_scope(p.org):
        assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_finance_issues_a_draft_and_sees_the_number_it_got(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope, issue_date=p.invoice.issue_date)
    browser = signed_in(p.finance)
    confirm = browser.get(f"/o/porta/billing/invoices/{draft.pk}/issue/")
    assert b"the next number of this year" in confirm.content
    response = browser.post(f"/o/porta/billing/invoices/{draft.pk}/issue/")
    number = f"{p.invoice.issue_date.year}-000002"
    page = browser.get(response["Location"])
    assert (response.status_code, _text(page.content, "invoice-title"), _toasts(page.content)) == (
        302,
        f"Invoice {number}",
        [f"Invoice {number} issued."],
    )
    with in_scope(p.org):
        draft.refresh_from_db()
    assert (draft.status, draft.number, draft.total) == ("issued", number, Decimal("290.40"))


def test_a_draft_without_lines_is_not_issued_and_says_why(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope, lines=[])
    url, page = f"/o/porta/billing/invoices/{draft.pk}/issue/", f"/o/porta/billing/invoices/{draft.pk}/"
    response, unchanged = post_unchanged(p.finance, url, {}, HTTP_REFERER=f"http://testserver{page}")
    assert (response.status_code, response["Location"], unchanged) == (302, f"http://testserver{page}", True)
    browser = signed_in(p.finance)
    browser.post(url, HTTP_REFERER=f"http://testserver{page}")
    assert _toasts(browser.get(page).content) == ["An invoice needs at least one line to be issued."]


@pytest.mark.parametrize(
    ("route", "data"),
    [
        ("edit/", {"notes": "Changed after issue"}),
        ("delete/", {}),
        ("issue/", {}),
        ("lines/", {"add-description": "Extra", "add-quantity": "1", "add-unit_price": "1"}),
        ("lines/{line}/", {"line-{line}-quantity": "1"}),
        ("lines/{line}/remove/", {}),
    ],
)
def test_an_issued_invoice_is_changed_by_no_route_and_the_page_says_so(world, route, data):
    p = world.porta
    line = p.invoice_line.pk
    url = f"/o/porta/billing/invoices/{p.invoice.pk}/" + route.format(line=line)
    data = {key.format(line=line): value for key, value in data.items()}
    response, unchanged = post_unchanged(p.finance, url, data)
    assert (response.status_code, response["Location"], unchanged) == (
        302,
        f"/o/porta/billing/invoices/{p.invoice.pk}/",
        True,
    )
    expected = {
        "delete/": "An issued invoice cannot be deleted: correct it with a credit note.",
        "issue/": "This invoice has been issued already.",
    }.get(route, "An issued invoice cannot be changed: correct it with a credit note.")
    browser = signed_in(p.finance)
    browser.post(url, data)
    assert _toasts(browser.get(response["Location"]).content) == [expected]


# --- Crediting -------------------------------------------------------------------------------------


def test_finance_credits_a_line_of_an_issued_invoice(world, in_scope):
    p = world.porta
    line = p.invoice_line
    browser = signed_in(p.finance)
    form = browser.get(f"/o/porta/billing/invoices/{p.invoice.pk}/credit/").content.decode()
    # 3 invoiced, 1 credited by the world's credit note: 2 left
    assert re.findall(
        r'data-testid="credit-line" data-line-id="(\d+)".*?<td class="text-end ad-num">(\d+)</td>', form, re.S
    ) == [(str(line.pk), "2")]
    response = browser.post(
        f"/o/porta/billing/invoices/{p.invoice.pk}/credit/",
        {f"line_{line.pk}": "1", "reason": "A second kit returned.", "issue_date": timezone.localdate().isoformat()},
    )
    with in_scope(p.org):
        note = CreditNote.objects.exclude(pk=p.credit_note.pk).get()
        note_lines = list(note.lines.values_list("invoice_line", "quantity"))
    assert response["Location"] == f"/o/porta/billing/invoices/{p.invoice.pk}/"
    assert (note.reason, note.total, note_lines) == (
        "A second kit returned.",
        Decimal("145.20"),
        [(line.pk, Decimal("1.000"))],
    )
    page = browser.get(response["Location"])
    assert _toasts(page.content) == [f"Credit note {note.number} issued."]
    assert note.number.encode() in page.content


@pytest.mark.parametrize(
    ("data", "errors", "alert"),
    [
        pytest.param(
            {"line": "3", "reason": "Too many"},
            {"line_{line}": "At most 2.000."},
            "You cannot credit more than was invoiced: 2.000 of line 1 (Sensor kit) is left to credit.",
            id="more than invoiced",
        ),
        pytest.param(
            {"line": "0", "reason": "None"},
            {"line_{line}": "The quantity must be more than zero."},
            "Some fields need attention.",
            id="zero",
        ),
        pytest.param(
            {"line": "1", "reason": ""},
            {"reason": "Say why the invoice is credited."},
            "Some fields need attention.",
            id="no reason",
        ),
        pytest.param(
            {"line": "", "reason": "Nothing chosen"},
            {},
            "Credit the whole invoice, or choose the lines and quantities to credit.",
            id="nothing chosen",
        ),
        pytest.param(
            {"line": "0.0001", "reason": "x"},
            {"line_{line}": "At most three decimals."},
            "Some fields need attention.",
            id="4 decimals",
        ),
    ],
)
def test_a_bad_credit_is_refused_with_its_sentence_and_nothing_is_written(world, data, errors, alert):
    p = world.porta
    line = p.invoice_line.pk
    posted = {f"line_{line}": data["line"], "reason": data["reason"], "issue_date": timezone.localdate().isoformat()}
    response, unchanged = post_unchanged(p.finance, f"/o/porta/billing/invoices/{p.invoice.pk}/credit/", posted)
    expected = {key.format(line=line): value for key, value in errors.items()}
    assert (response.status_code, _field_errors(response.content), _form_alert(response.content), unchanged) == (
        400,
        expected,
        alert,
        True,
    )


def test_a_credit_note_is_listed_and_read(world):
    p = world.porta
    browser = signed_in(p.ae)
    listing = browser.get("/o/porta/billing/credit-notes/")
    assert re.findall(rb'data-testid="credit-note-row" data-credit-note-id="(\d+)"', listing.content) == [
        str(p.credit_note.pk).encode()
    ]
    page = browser.get(f"/o/porta/billing/credit-notes/{p.credit_note.pk}/")
    assert (
        _text(page.content, "credit-note-title"),
        _text(page.content, "credit-note-reason"),
        _text(page.content, "credit-note-total"),
        _text(page.content, "credit-note-invoice"),
    ) == (f"Credit note {p.credit_note.number}", "One kit returned.", "€145.20", f"Invoice {p.invoice.number}")


# --- The list ---------------------------------------------------------------------------------------


def test_the_invoice_list_filters_and_sorts_from_the_url(world, in_scope):
    p = world.porta
    today = timezone.localdate()
    draft = _draft(world, in_scope)
    current = _draft(world, in_scope, issue_date=today)
    with in_scope(p.org):
        current = services.invoice_issue(organization=p.org, actor=p.finance, invoice=current)
    browser = signed_in(p.ae)

    def ids(query):
        return _invoice_ids(browser.get(f"/o/porta/billing/invoices/?{query}").content)

    assert ids("") == [draft.pk, current.pk, p.invoice.pk]
    assert ids("status=draft") == [draft.pk]
    assert ids("status=issued") == [current.pk, p.invoice.pk]
    assert ids("overdue=true") == [p.invoice.pk]
    assert ids("overdue=false") == [draft.pk, current.pk]
    assert ids(f"issued_from={today.isoformat()}") == [current.pk]
    assert ids(f"issued_to={(today - timedelta(days=1)).isoformat()}") == [p.invoice.pk]
    assert ids(f"due_to={today.isoformat()}") == [p.invoice.pk]
    assert ids(f"due_from={today.isoformat()}") == [current.pk]
    assert ids(f"q={p.invoice.number}") == [p.invoice.pk]
    assert ids("q=porta client") == [draft.pk, current.pk, p.invoice.pk]
    assert ids(f"account={p.account.pk}&status=issued") == [current.pk, p.invoice.pk]
    assert ids("sort=-outstanding") == [current.pk, p.invoice.pk, draft.pk]
    assert ids("sort=due_date") == [p.invoice.pk, current.pk, draft.pk]
    assert ids("sort=number") == [draft.pk, p.invoice.pk, current.pk]
    page = browser.get("/o/porta/billing/invoices/?overdue=true").content.decode()
    assert '<span class="badge text-bg-danger" data-testid="overdue">Overdue</span>' in page
    assert '<option value="true" selected>Yes</option>' in page


def test_the_list_pages_by_25_and_htmx_gets_the_results(world, in_scope):
    for _ in range(29):
        _draft(world, in_scope)
    browser = signed_in(world.porta.finance)
    first, second = browser.get("/o/porta/billing/invoices/"), browser.get("/o/porta/billing/invoices/?page=2")
    assert (len(_invoice_ids(first.content)), len(_invoice_ids(second.content))) == (25, 5)
    assert b"30 invoices" in first.content
    partial = browser.get("/o/porta/billing/invoices/?page=2", HTTP_HX_REQUEST="true")
    assert partial.content.lstrip().startswith(b'<div id="invoice-results"') and b"<html" not in partial.content
    assert _invoice_ids(partial.content) == _invoice_ids(second.content)


# --- Exports -----------------------------------------------------------------------------------------

INVOICE_HEADER = [
    "Number",
    "Status",
    "Account",
    "Client",
    "Issue date",
    "Due date",
    "Currency",
    "Net",
    "Tax",
    "Total",
    "Outstanding",
    "Overdue",
]


def test_the_invoice_exports_are_exactly_the_filtered_list(world, in_scope):
    p = world.porta
    _draft(world, in_scope)
    browser = signed_in(p.ae)
    response = browser.get("/o/porta/billing/invoices/export.csv?status=issued")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    invoice = p.invoice
    row = [
        invoice.number,
        "Issued",
        "Porta Account",
        "Porta Client",
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
        "EUR",
        "360.00",
        "75.60",
        "435.60",
        "90.40",
        "yes",
    ]
    assert (response.status_code, rows) == (200, [INVOICE_HEADER, row])
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoices-porta-{timezone.localdate().isoformat()}.csv"'
    )
    sheet = load_workbook(io.BytesIO(browser.get("/o/porta/billing/invoices/export.xlsx?status=issued").content)).active
    values = [[cell.value for cell in r] for r in sheet.iter_rows()]
    assert values[0] == INVOICE_HEADER
    assert values[1][:4] + values[1][6:] == [
        invoice.number,
        "Issued",
        "Porta Account",
        "Porta Client",
        "EUR",
        360,
        75.6,
        435.6,
        90.4,
        "yes",
    ]
    assert [type(v).__name__ for v in values[1][4:6]] == ["datetime", "datetime"]


def test_an_account_executive_exports_only_the_invoices_they_see(world, in_scope):
    hidden = _hidden_account(world, in_scope)
    _draft(world, in_scope, account=hidden)
    rows = (
        signed_in(world.porta.ae).get("/o/porta/billing/invoices/export.csv").content.decode("utf-8-sig").splitlines()
    )
    assert len(rows) == 2 and "Hidden" not in "".join(rows)


def test_the_credit_note_export_is_the_list(world):
    p = world.porta
    response = signed_in(p.lead).get("/o/porta/billing/credit-notes/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    note = p.credit_note
    assert rows == [
        ["Number", "Invoice", "Account", "Client", "Issue date", "Reason", "Currency", "Net", "Tax", "Total"],
        [
            note.number,
            p.invoice.number,
            "Porta Account",
            "Porta Client",
            note.issue_date.isoformat(),
            "One kit returned.",
            "EUR",
            "120.00",
            "25.20",
            "145.20",
        ],
    ]


# --- Fixed query counts ------------------------------------------------------------------------------

# The session, the person, the organisation, the scope's setting (set and reset), the savepoint
# (and its release), the membership: 7 for every page; then each page's own.
LIST_QUERIES = 7 + 3  # the accounts to filter by, the count, the page of invoices
CREDIT_NOTE_LIST_QUERIES = 7 + 3  # the same
# The invoice (with its account, client and people), its lines, credit notes and payments
# applied, what is credited of each line, the trail (its events, people and teams named): 8;
# a draft for finance also offers a new line (the products and the tax rates).
DETAIL_QUERIES = {"finance": 7 + 8 + 2, "ae": 7 + 8}
ISSUED_QUERIES = {"finance": 7 + 8, "ae": 7 + 8}


def _count(django_assert_num_queries, browser, url, expected):
    with django_assert_num_queries(expected):
        response = browser.get(url)
    assert response.status_code == 200
    return response


def _issued_invoices(world, in_scope, count: int) -> None:
    p = world.porta
    with in_scope(p.org):
        for _ in range(count):
            invoice = services.invoice_create(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                issue_date=p.invoice.issue_date,
                lines=[{"product": p.product, "quantity": Decimal("1")}],
            )
            invoice = services.invoice_issue(organization=p.org, actor=p.finance, invoice=invoice)
            services.credit_note_create(
                organization=p.org,
                actor=p.finance,
                invoice=invoice,
                reason="Returned",
                lines=[(invoice.lines.get(), Decimal("0.5"))],
            )


@pytest.mark.parametrize("role", ["finance", "ae"])
def test_the_invoice_list_takes_the_same_queries_with_1_and_with_50_invoices(
    world, in_scope, django_assert_num_queries, role
):
    browser = signed_in(getattr(world.porta, role))
    one = _count(django_assert_num_queries, browser, "/o/porta/billing/invoices/", LIST_QUERIES)
    assert len(_invoice_ids(one.content)) == 1
    _issued_invoices(world, in_scope, 49)
    many = _count(django_assert_num_queries, browser, "/o/porta/billing/invoices/?sort=-outstanding", LIST_QUERIES)
    assert len(_invoice_ids(many.content)) == 25
    _count(django_assert_num_queries, browser, "/o/porta/billing/invoices/?page=2&overdue=true", LIST_QUERIES)


def test_the_credit_note_list_takes_the_same_queries_with_1_and_with_50_credit_notes(
    world, in_scope, django_assert_num_queries
):
    browser = signed_in(world.porta.ae)
    _count(django_assert_num_queries, browser, "/o/porta/billing/credit-notes/", CREDIT_NOTE_LIST_QUERIES)
    _issued_invoices(world, in_scope, 49)
    many = _count(django_assert_num_queries, browser, "/o/porta/billing/credit-notes/", CREDIT_NOTE_LIST_QUERIES)
    assert many.content.count(b'data-testid="credit-note-row"') == 25


@pytest.mark.parametrize("role", ["finance", "ae"])
def test_an_invoices_page_takes_the_same_queries_with_1_and_with_50_lines(
    world, in_scope, django_assert_num_queries, role
):
    p = world.porta
    draft = _draft(world, in_scope)
    browser = signed_in(getattr(p, role))
    url = f"/o/porta/billing/invoices/{draft.pk}/"
    one = _count(django_assert_num_queries, browser, url, DETAIL_QUERIES[role])
    assert len(_line_ids(one.content)) == 1
    with in_scope(p.org):
        for n in range(49):
            services.invoice_line_add(
                organization=p.org,
                actor=p.finance,
                invoice=draft,
                description=f"Part {n}",
                quantity=Decimal("1"),
                unit_price=Decimal("2.50"),
                tax_rate=p.vat21,
            )
    many = _count(django_assert_num_queries, browser, url, DETAIL_QUERIES[role])
    assert len(_line_ids(many.content)) == 50
    # an issued one, with its credit notes and payments
    issued = _count(
        django_assert_num_queries, browser, f"/o/porta/billing/invoices/{p.invoice.pk}/", ISSUED_QUERIES[role]
    )
    assert b'data-testid="allocation-row"' in issued.content


def test_the_account_filter_lists_every_account_seen_or_past_a_bound_only_the_one_asked_for(world, monkeypatch):
    from billing import filters

    p = world.porta
    option = re.compile(r'<option value="(\d*)"( selected)?>([^<]*)</option>')

    def offered(query=""):
        text = signed_in(p.finance).get(f"/o/porta/billing/invoices/{query}").content.decode()
        select = re.search(r'<select name="account".*?</select>', text, re.S).group(0)
        return option.findall(select), "Only the account asked for is listed" in text

    # finance sees one account: it is offered
    assert offered() == ([("", " selected", "Any account"), (str(p.account.pk), "", "Porta Account")], False)
    # past the bound, only the account asked for (selected), and a word on why
    monkeypatch.setattr(filters, "ACCOUNT_CHOICES", 0)
    assert offered() == ([("", " selected", "Any account")], True)
    assert offered(f"?account={p.account.pk}") == (
        [("", "", "Any account"), (str(p.account.pk), " selected", "Porta Account")],
        True,
    )
