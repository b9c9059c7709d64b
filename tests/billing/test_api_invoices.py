"""The invoices and credit notes API: everyone reads the documents of the accounts they see
(another's, or another organisation's, is not found); finance alone drafts, changes, issues and
credits (403 for the others, nothing written); every bad input in the one error shape with
nothing written; an issued invoice changed by no operation (409)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from billing import services
from billing.models import Invoice
from tests.factories import send_json, signed_in
from tests.tenancy.isolation import snapshot

API = "/api/v1/o/porta/billing"
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
ISSUED = {
    "error": {
        "code": "invoice_issued",
        "message": "An issued invoice cannot be changed: correct it with a credit note.",
        "fields": {},
    }
}


def _forbidden(message: str) -> dict:
    return {"error": {"code": "permission_denied", "message": message, "fields": {}}}


def _signed_in(membership):
    """A browser signed in, having made a request (signing in writes the last login): what
    follows must write nothing more."""
    browser = signed_in(membership)
    browser.get("/api/v1/o/porta/me/")
    return browser


def _refused(membership, method: str, url: str, body=None):
    """(status, body, whether the database is as it was)."""
    browser = _signed_in(membership)
    before = snapshot()
    response = send_json(browser, method, url, body)
    return response.status_code, response.json(), snapshot() == before


def _draft(world, in_scope, *, account=None, lines=None, **fields) -> Invoice:
    p = world.porta
    with in_scope(p.org):
        return services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            lines=lines if lines is not None else [{"product": p.product, "quantity": Decimal("2")}],
            **fields,
        )


def _hidden_account(world, in_scope, **fields):
    """An account of ae2's in no team: the lead sees it, ae does not."""
    p = world.porta
    with in_scope(p.org):
        return accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Porta Hidden Account",
            owner=p.ae2,
            **({"currency": "EUR", "payment_terms_days": 60} | fields),
        )


def _without_moments(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("created_at", "issued_at")}


def _world_invoice_body(p) -> dict:
    invoice = p.invoice
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": "issued",
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "client": {"id": p.client.pk, "name": "Porta Client"},
        "currency": "EUR",
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "notes": "Payment by bank transfer.",
        "rate_to_base": "1.00000000",
        "net_total": "360.00",
        "tax_total": "75.60",
        "total": "435.60",
        "credited": "145.20",
        "paid": "200.00",
        "outstanding": "90.40",
        "is_overdue": True,
        "lines": [
            {
                "id": p.invoice_line.pk,
                "position": 1,
                "product": {"id": p.product.pk, "sku": "PORTA-001", "name": "Sensor kit"},
                "description": "Sensor kit",
                "quantity": "3.000",
                "unit_price": "120.00",
                "discount_percent": "0.00",
                "tax_rate": {"id": p.vat21.pk, "name": "VAT 21%"},
                "tax_percent": "21.00",
                "net": "360.00",
                "credited_quantity": "1.000",
            }
        ],
        "credit_notes": [
            {
                "id": p.credit_note.pk,
                "number": p.credit_note.number,
                "issue_date": p.credit_note.issue_date.isoformat(),
                "total": "145.20",
            }
        ],
    }


# --- Reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2", "finance"])
def test_everyone_lists_and_reads_the_invoices_of_the_accounts_they_see(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    listed = browser.get(f"{API}/invoices/").json()["results"]
    read = browser.get(f"{API}/invoices/{p.invoice.pk}/")
    assert [row["id"] for row in listed] == [p.invoice.pk]
    assert "lines" not in listed[0] and listed[0]["outstanding"] == "90.40"
    assert (read.status_code, _without_moments(read.json())) == (200, _world_invoice_body(p))


def test_the_invoices_of_an_account_one_does_not_see_are_not_listed_nor_found(world, in_scope):
    p = world.porta
    hidden = _draft(world, in_scope, account=_hidden_account(world, in_scope))
    ae, lead = signed_in(p.ae), signed_in(p.lead)
    assert [r["id"] for r in ae.get(f"{API}/invoices/").json()["results"]] == [p.invoice.pk]
    assert [r["id"] for r in lead.get(f"{API}/invoices/").json()["results"]] == [hidden.pk, p.invoice.pk]
    response = ae.get(f"{API}/invoices/{hidden.pk}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    other = ae.get(f"{API}/invoices/{world.nordwind.invoice.pk}/")
    assert (other.status_code, other.json()) == (404, NOT_FOUND)


def test_the_list_filters_like_the_page_and_refuses_an_unknown_value(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    browser = signed_in(p.finance)

    def ids(query):
        return [row["id"] for row in browser.get(f"{API}/invoices/?{query}").json()["results"]]

    assert (ids("status=draft"), ids("overdue=true"), ids(f"q={p.invoice.number}")) == (
        [draft.pk],
        [p.invoice.pk],
        [p.invoice.pk],
    )
    assert ids(f"account={p.account.pk}") == [draft.pk, p.invoice.pk]
    refused = browser.get(f"{API}/invoices/?status=paid&issued_from=someday")
    assert (refused.status_code, refused.json()["error"]["fields"]) == (
        400,
        {
            "status": "Select a valid choice. paid is not one of the available choices.",
            "issued_from": "Enter a valid date.",
        },
    )
    theirs = browser.get(f"{API}/invoices/?account={world.nordwind.account.pk}")
    assert (theirs.status_code, theirs.json()["error"]["fields"]) == (
        400,
        {"account": "Select a valid choice. That choice is not one of the available choices."},
    )


def test_credit_notes_are_listed_and_read(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        note_line = p.credit_note.lines.get()
    browser = signed_in(p.ae)
    listed = browser.get(f"{API}/credit-notes/").json()["results"]
    read = browser.get(f"{API}/credit-notes/{p.credit_note.pk}/").json()
    note = p.credit_note
    summary = {
        "id": note.pk,
        "number": note.number,
        "invoice": {"id": p.invoice.pk, "number": p.invoice.number},
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "client": {"id": p.client.pk, "name": "Porta Client"},
        "currency": "EUR",
        "rate_to_base": "1.00000000",
        "issue_date": note.issue_date.isoformat(),
        "reason": "One kit returned.",
        "net_total": "120.00",
        "tax_total": "25.20",
        "total": "145.20",
    }
    assert [{k: v for k, v in row.items() if k != "created_at"} for row in listed] == [summary]
    assert {k: v for k, v in read.items() if k != "created_at"} == summary | {
        "lines": [
            {
                "id": note_line.pk,
                "invoice_line": p.invoice_line.pk,
                "description": "Sensor kit",
                "quantity": "1.000",
                "unit_price": "120.00",
                "discount_percent": "0.00",
                "tax_percent": "21.00",
                "net": "120.00",
            }
        ]
    }
    theirs = browser.get(f"{API}/credit-notes/{world.nordwind.credit_note.pk}/")
    assert (theirs.status_code, theirs.json()) == (404, NOT_FOUND)


# --- Drafting ---------------------------------------------------------------------------------------


def test_finance_drafts_an_invoice_with_its_lines(world):
    p = world.porta
    body = {
        "account": p.account.pk,
        "issue_date": "2026-03-02",
        "lines": [
            {"product": p.product.pk, "quantity": "2"},
            {
                "description": "Night installation surcharge",
                "quantity": "1.5",
                "unit_price": "80.00",
                "discount_percent": "10",
                "tax_rate": p.vat21.pk,
            },
        ],
    }
    response = send_json(signed_in(p.finance), "post", f"{API}/invoices/", body)
    created = response.json()
    assert response.status_code == 201
    assert {k: created[k] for k in ("number", "status", "issue_date", "due_date", "notes", "total")} == {
        "number": None,
        "status": "draft",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "notes": "Payment by bank transfer.",
        "total": "421.08",
    }
    assert [(line["position"], line["description"], line["unit_price"], line["net"]) for line in created["lines"]] == [
        (1, "Sensor kit", "120.00", "240.00"),
        (2, "Night installation surcharge", "80.00", "108.00"),
    ]
    assert (created["outstanding"], created["is_overdue"], created["credit_notes"]) == ("0.00", False, [])


def _line(**fields) -> dict:
    """A line of free text at the general rate ("{vat21}": the organisation's, when sent)."""
    return {"description": "Sensor kit", "quantity": "2", "unit_price": "120.00", "tax_rate": "{vat21}"} | fields


def _with_ids(value, p):
    """`value` with the placeholder "{vat21}" replaced by the organisation's tax rate's id."""
    if isinstance(value, dict):
        return {key: _with_ids(item, p) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_ids(item, p) for item in value]
    return p.vat21.pk if value == "{vat21}" else value


def _invalid(message: str, fields: dict) -> dict:
    return {"error": {"code": "invalid", "message": message, "fields": fields}}


BAD_CREATES = [
    pytest.param(
        {"lines": [_line(quantity="0")]},
        _invalid("The quantity must be more than zero.", {"lines.0.quantity": "The quantity must be more than zero."}),
        id="quantity zero",
    ),
    pytest.param(
        {"lines": [_line(quantity="-1")]},
        _invalid("The quantity must be more than zero.", {"lines.0.quantity": "The quantity must be more than zero."}),
        id="quantity negative",
    ),
    pytest.param(
        {"lines": [_line(discount_percent="100.5")]},
        _invalid(
            "A discount is a percentage from 0 to 100.",
            {"lines.0.discount_percent": "A discount is a percentage from 0 to 100."},
        ),
        id="discount over 100",
    ),
    pytest.param(
        {"lines": [_line(unit_price="1.005")]},
        _invalid("Invalid input: At most two decimals.", {"lines.0.unit_price": "At most two decimals."}),
        id="three decimals",
    ),
    pytest.param(
        {"lines": [_line(quantity="1.0005")]},
        _invalid("Invalid input: At most three decimals.", {"lines.0.quantity": "At most three decimals."}),
        id="four decimals in a quantity",
    ),
    pytest.param(
        {"lines": [_line(unit_price="1000000000000.00")]},
        _invalid("Invalid input: That amount is too large.", {"lines.0.unit_price": "That amount is too large."}),
        id="over the range",
    ),
    pytest.param(
        {"lines": [_line(quantity="999999999", unit_price="999999999999")]},
        _invalid("The line's amount is too large.", {"lines.0.quantity": "Quantity × unit price is too large."}),
        id="a line too large",
    ),
    pytest.param(
        {"currency": "USD"},
        _invalid(
            "The account is billed in EUR: use its currency.",
            {"currency": "The account is billed in EUR: use its currency."},
        ),
        id="another currency",
    ),
    pytest.param(
        {"issue_date": "2026-03-10", "due_date": "2026-03-01"},
        _invalid(
            "The due date cannot be before the issue date.",
            {"due_date": "The due date cannot be before the issue date."},
        ),
        id="due before issue",
    ),
    pytest.param(
        {"lines": [{"quantity": "1", "unit_price": "5.00"}]},
        _invalid(
            "Some fields need attention.",
            {
                "lines.0.description": "Describe the line, or choose a product.",
                "lines.0.tax_rate": "Choose a tax rate.",
            },
        ),
        id="a line of nothing",
    ),
    pytest.param(
        {"lines": [_line(quantity=1.5, colour="red")]},
        _invalid("Invalid input: Unknown field.", {"lines.0.colour": "Unknown field."}),
        id="unknown field",
    ),
    pytest.param(
        {"issue_date": "1066-10-14"},
        _invalid(
            "Some fields need attention.",
            {"issue_date": "Enter a date from 1900 to 2100.", "due_date": "Enter a date from 1900 to 2100."},
        ),
        id="a date out of range",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_CREATES)
def test_bad_input_to_a_new_invoice_is_refused_in_the_error_shape_and_nothing_is_written(world, fields, expected):
    p = world.porta
    body = _with_ids({"account": p.account.pk, "lines": [_line()]} | fields, p)
    status, answer, unchanged = _refused(p.finance, "post", f"{API}/invoices/", body)
    assert (status, answer, unchanged) == (400, expected, True)


def test_an_obsolete_product_is_refused_naming_its_replacement_and_nothing_is_written(world):
    p = world.porta
    body = {"account": p.account.pk, "lines": [{"product": p.old_product.pk, "quantity": "1", "unit_price": "99.00"}]}
    message = "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit."
    assert _refused(p.finance, "post", f"{API}/invoices/", body) == (
        400,
        _invalid(message, {"lines.0.product": message}),
        True,
    )


def test_ids_of_another_organisation_are_refused_and_nothing_is_written(world):
    p, n = world.porta, world.nordwind
    assert _refused(p.finance, "post", f"{API}/invoices/", {"account": n.account.pk}) == (
        400,
        _invalid("Choose an account of this organisation.", {"account": "Choose an account of this organisation."}),
        True,
    )
    body = {"account": p.account.pk, "lines": [{"product": n.product.pk, "quantity": "1"}]}
    assert _refused(p.finance, "post", f"{API}/invoices/", body) == (
        400,
        _invalid(
            "Invalid input: Choose a product of this organisation.",
            {"lines.0.product": "Choose a product of this organisation."},
        ),
        True,
    )


def test_an_account_in_another_currency_needs_its_rate(world, in_scope):
    p = world.porta
    dollars = _hidden_account(world, in_scope, currency="USD")
    body = {"account": dollars.pk, "lines": [_with_ids(_line(), p)]}
    assert _refused(p.finance, "post", f"{API}/invoices/", body) == (
        400,
        _invalid(
            "Give the rate from USD to EUR, the organisation's base currency.",
            {"rate_to_base": "This field is required."},
        ),
        True,
    )
    created = send_json(signed_in(p.finance), "post", f"{API}/invoices/", body | {"rate_to_base": "0.91"})
    assert (created.status_code, created.json()["currency"], created.json()["rate_to_base"]) == (
        201,
        "USD",
        "0.91000000",
    )


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2"])
def test_only_finance_drafts_invoices(world, role):
    p = world.porta
    body = {"account": p.account.pk, "lines": [{"product": p.product.pk, "quantity": "1"}]}
    assert _refused(getattr(p, role), "post", f"{API}/invoices/", body) == (
        403,
        _forbidden("Only finance creates and changes invoices."),
        True,
    )


def test_an_account_executive_drafting_for_an_account_they_do_not_see_is_told_it_does_not_exist(world, in_scope):
    p = world.porta
    hidden = _hidden_account(world, in_scope)
    body = {"account": hidden.pk, "lines": [{"product": p.product.pk, "quantity": "1"}]}
    assert _refused(p.ae, "post", f"{API}/invoices/", body) == (404, NOT_FOUND, True)


# --- Changing a draft and its lines --------------------------------------------------------------


def test_finance_changes_a_draft_adds_changes_and_removes_lines_and_deletes_it(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    browser = signed_in(p.finance)
    changed = send_json(
        browser, "patch", f"{API}/invoices/{draft.pk}/", {"notes": "Net 30.", "issue_date": "2026-03-02"}
    )
    assert (changed.status_code, changed.json()["notes"], changed.json()["due_date"]) == (200, "Net 30.", "2026-04-01")
    added = send_json(
        browser, "post", f"{API}/invoices/{draft.pk}/lines/", {"product": p.product2.pk, "quantity": "1.5"}
    )
    assert (added.status_code, added.json()["total"], len(added.json()["lines"])) == (201, "408.38", 2)
    first, second = (line["id"] for line in added.json()["lines"])
    updated = send_json(browser, "patch", f"{API}/invoices/{draft.pk}/lines/{first}/", {"discount_percent": "50"})
    assert (updated.status_code, updated.json()["lines"][0]["net"], updated.json()["total"]) == (
        200,
        "120.00",
        "263.18",
    )
    removed = send_json(browser, "delete", f"{API}/invoices/{draft.pk}/lines/{first}/")
    assert (removed.status_code, [line["id"] for line in removed.json()["lines"]], removed.json()["total"]) == (
        200,
        [second],
        "117.98",
    )
    deleted = send_json(browser, "delete", f"{API}/invoices/{draft.pk}/")
    assert deleted.status_code == 204
    with in_scope(p.org):
        assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_a_bad_line_is_refused_in_the_error_shape_and_nothing_is_written(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    with in_scope(p.org):
        line = draft.lines.get()
    assert _refused(p.finance, "patch", f"{API}/invoices/{draft.pk}/lines/{line.pk}/", {"quantity": "0"}) == (
        400,
        _invalid("The quantity must be more than zero.", {"quantity": "The quantity must be more than zero."}),
        True,
    )
    message = "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit."
    body = {"product": p.old_product.pk, "quantity": "1", "unit_price": "1.00"}
    assert _refused(p.finance, "post", f"{API}/invoices/{draft.pk}/lines/", body) == (
        400,
        _invalid(message, {"product": message}),
        True,
    )
    # a line of another invoice, under this one, does not exist
    url = f"{API}/invoices/{draft.pk}/lines/{p.invoice_line.pk}/"
    assert _refused(p.finance, "delete", url) == (404, NOT_FOUND, True)


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("patch", "", {"notes": "After the fact"}),
        ("delete", "", None),
        ("post", "lines/", {"description": "Extra", "quantity": "1", "unit_price": "1.00"}),
        ("patch", "lines/{line}/", {"quantity": "1"}),
        ("delete", "lines/{line}/", None),
    ],
)
def test_an_issued_invoice_is_changed_by_no_operation(world, method, route, body):
    p = world.porta
    url = f"{API}/invoices/{p.invoice.pk}/" + route.format(line=p.invoice_line.pk)
    assert _refused(p.finance, method, url, body) == (409, ISSUED, True)


@pytest.mark.parametrize("role", ["admin", "lead", "ae"])
def test_those_who_read_may_not_change_a_draft(world, in_scope, role):
    p = world.porta
    draft = _draft(world, in_scope)
    with in_scope(p.org):
        line = draft.lines.get()
    forbidden = (403, _forbidden("Only finance creates and changes invoices."), True)
    assert _refused(getattr(p, role), "patch", f"{API}/invoices/{draft.pk}/", {"notes": "x"}) == forbidden
    assert _refused(getattr(p, role), "delete", f"{API}/invoices/{draft.pk}/") == forbidden
    assert _refused(getattr(p, role), "delete", f"{API}/invoices/{draft.pk}/lines/{line.pk}/") == forbidden


# --- Issuing and crediting -----------------------------------------------------------------------


def test_finance_issues_a_draft_and_it_gets_the_next_number(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope, issue_date=p.invoice.issue_date)
    response = send_json(signed_in(p.finance), "post", f"{API}/invoices/{draft.pk}/issue/")
    issued = response.json()
    assert (response.status_code, issued["status"], issued["number"], issued["outstanding"]) == (
        200,
        "issued",
        f"{p.invoice.issue_date.year}-000002",
        "290.40",
    )
    assert _refused(p.finance, "post", f"{API}/invoices/{draft.pk}/issue/") == (
        409,
        {"error": {"code": "invoice_issued", "message": "This invoice has been issued already.", "fields": {}}},
        True,
    )


def test_an_account_executive_may_not_issue_and_nothing_is_written(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    assert _refused(p.ae, "post", f"{API}/invoices/{draft.pk}/issue/") == (
        403,
        _forbidden("Only finance issues invoices."),
        True,
    )
    hidden = _draft(world, in_scope, account=_hidden_account(world, in_scope))
    assert _refused(p.ae, "post", f"{API}/invoices/{hidden.pk}/issue/") == (404, NOT_FOUND, True)


def test_a_draft_without_lines_is_not_issued(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope, lines=[])
    assert _refused(p.finance, "post", f"{API}/invoices/{draft.pk}/issue/") == (
        400,
        _invalid("An invoice needs at least one line to be issued.", {"lines": "Add at least one line."}),
        True,
    )


def test_finance_credits_an_issued_invoice_in_part_and_then_whole(world):
    p = world.porta
    browser = signed_in(p.finance)
    today = timezone.localdate()
    part = send_json(
        browser,
        "post",
        f"{API}/invoices/{p.invoice.pk}/credit/",
        {"reason": "A second kit returned.", "lines": [{"invoice_line": p.invoice_line.pk, "quantity": "1"}]},
    )
    body = part.json()
    assert part.status_code == 201
    assert (body["invoice"], body["issue_date"], body["total"], [line["quantity"] for line in body["lines"]]) == (
        {"id": p.invoice.pk, "number": p.invoice.number},
        today.isoformat(),
        "145.20",
        ["1.000"],
    )
    rest = send_json(browser, "post", f"{API}/invoices/{p.invoice.pk}/credit/", {"reason": "Cancelled", "whole": True})
    assert (rest.status_code, rest.json()["total"]) == (201, "145.20")
    read = browser.get(f"{API}/invoices/{p.invoice.pk}/").json()
    assert (read["credited"], read["outstanding"], read["lines"][0]["credited_quantity"]) == (
        "435.60",
        "0.00",
        "3.000",
    )


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        pytest.param(
            {"reason": "Too many", "lines": [{"invoice_line": "{line}", "quantity": "3"}]},
            400,
            _invalid(
                "You cannot credit more than was invoiced: 2.000 of line 1 (Sensor kit) is left to credit.",
                {"lines.0.quantity": "At most 2.000."},
            ),
            id="more than invoiced",
        ),
        pytest.param(
            {"reason": "", "whole": True},
            400,
            _invalid("Say why the invoice is credited.", {"reason": "Say why the invoice is credited."}),
            id="no reason",
        ),
        pytest.param(
            {"reason": "Both", "whole": True, "lines": [{"invoice_line": "{line}", "quantity": "1"}]},
            400,
            _invalid(
                "Credit the whole invoice, or choose the lines and quantities to credit.",
                {"lines": "Choose the lines to credit."},
            ),
            id="whole and lines",
        ),
        pytest.param(
            {"reason": "Early", "whole": True, "issue_date": "2000-01-01"},
            400,
            None,
            id="before the invoice",
        ),
        pytest.param(
            {"reason": "Theirs", "lines": [{"invoice_line": "{their_line}", "quantity": "1"}]},
            400,
            _invalid(
                "Invalid input: Choose a line of this invoice.",
                {"lines.0.invoice_line": "Choose a line of this invoice."},
            ),
            id="another organisation's line",
        ),
    ],
)
def test_a_bad_credit_is_refused_in_the_error_shape_and_nothing_is_written(world, body, status, expected):
    p = world.porta
    for line in body.get("lines", []):
        line["invoice_line"] = {"{line}": p.invoice_line.pk, "{their_line}": world.nordwind.invoice_line.pk}[
            line["invoice_line"]
        ]
    if expected is None:
        message = f"A credit note cannot be dated before its invoice ({p.invoice.issue_date.isoformat()})."
        expected = _invalid(message, {"issue_date": message})
    assert _refused(p.finance, "post", f"{API}/invoices/{p.invoice.pk}/credit/", body) == (status, expected, True)


def test_a_draft_is_not_credited_and_only_finance_credits(world, in_scope):
    p = world.porta
    draft = _draft(world, in_scope)
    assert _refused(p.finance, "post", f"{API}/invoices/{draft.pk}/credit/", {"reason": "x", "whole": True}) == (
        400,
        _invalid("A draft is not credited: change it or delete it.", {"invoice": "Choose an issued invoice."}),
        True,
    )
    assert _refused(p.lead, "post", f"{API}/invoices/{p.invoice.pk}/credit/", {"reason": "x", "whole": True}) == (
        403,
        _forbidden("Only finance credits invoices."),
        True,
    )


# --- Fixed query counts ----------------------------------------------------------------------------

# The person (a session: the session, the person), the organisation, the membership, the
# scope's savepoint and setting (set, reset, release): 7; the page of invoices: 1.
LIST_QUERIES = 7 + 1


def test_the_invoice_list_takes_the_same_queries_with_1_and_with_50_invoices(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    browser = signed_in(p.ae)
    browser.get(f"{API}/invoices/")
    with django_assert_num_queries(LIST_QUERIES):
        assert len(browser.get(f"{API}/invoices/").json()["results"]) == 1
    with in_scope(p.org):
        for _ in range(49):
            services.invoice_create(
                organization=p.org,
                actor=p.finance,
                account=p.account,
                lines=[{"product": p.product, "quantity": Decimal("1")}],
            )
    with django_assert_num_queries(LIST_QUERIES):
        assert len(browser.get(f"{API}/invoices/").json()["results"]) == 50
