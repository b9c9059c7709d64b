"""The payments API: who reads which payments and allocations (the accounts one sees; another
organisation's 404), finance alone records, allocates and reverses (403 for the others,
nothing written), every refusal in the one error shape with nothing written, and a fixed
number of queries for the lists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from billing import services
from billing.models import Allocation, LedgerEntry
from tests.factories import add_member, send_json, signed_in
from tests.tenancy.isolation import snapshot

TODAY = timezone.localdate()
API = "/api/v1/o/porta/billing/"
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def _forbidden(message: str) -> dict:
    return {"error": {"code": "permission_denied", "message": message, "fields": {}}}


def _invalid(message: str, fields: dict) -> dict:
    return {"error": {"code": "invalid", "message": message, "fields": fields}}


def _signed_in(membership):
    """Signed in, and having made a request (signing in writes the last login): what follows
    must write nothing more."""
    browser = signed_in(membership)
    browser.get("/api/v1/o/porta/me/")
    return browser


def _invoice(p, in_scope, *, days_ago: int, account=None):
    """1 × the sensor kit (145.20), issued `days_ago` days ago."""
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            issue_date=TODAY - timedelta(days=days_ago),
            lines=[{"product": p.product, "quantity": Decimal("1")}],
        )
        return services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)


def _pay(p, in_scope, amount: str, *, account=None, days_ago: int = 1, **fields):
    with in_scope(p.org):
        return services.payment_record(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            amount=Decimal(amount),
            received_on=TODAY - timedelta(days=days_ago),
            **fields,
        )


def _hidden_account(p, in_scope):
    """An account of someone outside the team: the AEs and the lead do not see it."""
    outsider = add_member(p.org, "ae3", ["account_executive"])
    with in_scope(p.org):
        return accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Hidden Account", owner=outsider
        )


def _world_payment_body(p) -> dict:
    return {
        "id": p.payment.pk,
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "currency": "EUR",
        "amount": "200.00",
        "received_on": p.payment.received_on.isoformat(),
        "method": "transfer",
        "reference": "PORTA-TRANSFER-1",
        "rate_to_base": "1.00000000",
        "allocated": "200.00",
        "unallocated": "0.00",
        "is_reversed": False,
        "reversed_on": None,
        "reversal_reason": "",
        "allocations": [
            {
                "id": p.allocation.pk,
                "payment": p.payment.pk,
                "invoice": {"id": p.invoice.pk, "number": p.invoice.number},
                "amount": "200.00",
                "allocated_on": p.allocation.allocated_on.isoformat(),
                "is_active": True,
                "ended_on": None,
                "ended_because": None,
            }
        ],
    }


def _without_times(body: dict) -> dict:
    body = {k: v for k, v in body.items() if k != "created_at"}
    if "allocations" in body:
        body["allocations"] = [{k: v for k, v in a.items() if k != "created_at"} for a in body["allocations"]]
    return body


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2", "finance"])
def test_everyone_who_sees_the_account_reads_its_payments(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    listing = browser.get(f"{API}payments/").json()["results"]
    detail = browser.get(f"{API}payments/{p.payment.pk}/")
    assert [_without_times(row) for row in listing] == [_world_payment_body(p)]
    assert (detail.status_code, _without_times(detail.json())) == (200, _world_payment_body(p))


@pytest.mark.parametrize(("role", "sees"), [("admin", True), ("finance", True), ("lead", False), ("ae", False)])
def test_payments_and_allocations_of_an_account_one_does_not_see_are_not_answered(world, in_scope, role, sees):
    p = world.porta
    hidden_account = _hidden_account(p, in_scope)
    invoice = _invoice(p, in_scope, days_ago=3, account=hidden_account)
    hidden = _pay(p, in_scope, "10.00", account=hidden_account, allocations=[(invoice, Decimal("10.00"))])
    browser = signed_in(getattr(p, role))
    payments = [row["id"] for row in browser.get(f"{API}payments/").json()["results"]]
    allocations = [row["payment"] for row in browser.get(f"{API}allocations/").json()["results"]]
    assert payments == ([hidden.pk, p.payment.pk] if sees else [p.payment.pk])
    assert allocations == ([hidden.pk, p.payment.pk] if sees else [p.payment.pk])
    answer = browser.get(f"{API}payments/{hidden.pk}/")
    assert (answer.status_code, answer.json() if not sees else None) == ((200, None) if sees else (404, NOT_FOUND))


@pytest.mark.parametrize(
    "url",
    ["payments/{id}/", "payments/{id}/allocate/", "payments/{id}/reverse/"],
)
def test_another_organisations_payment_is_not_found(world, url):
    browser = _signed_in(world.porta.finance)
    before = snapshot()
    target = API + url.format(id=world.nordwind.payment.pk)
    method = "get" if url == "payments/{id}/" else "post"
    body = None if method == "get" else {}
    response = send_json(browser, method, target, body)
    assert (response.status_code, response.json(), snapshot() == before) == (404, NOT_FOUND, True)


def test_the_list_filters_like_the_page(world, in_scope):
    p = world.porta
    card = _pay(p, in_scope, "30.00", method="card")
    browser = signed_in(p.ae)

    def ids(query):
        return [row["id"] for row in browser.get(f"{API}payments/{query}").json()["results"]]

    assert ids("?method=card") == [card.pk]
    assert ids("?unallocated=true") == [card.pk]
    assert ids("?unallocated=false") == [p.payment.pk]
    assert ids("?status=reversed") == []
    assert ids(f"?account={p.account.pk}&sort=amount") == [card.pk, p.payment.pk]  # the API orders by id
    refused = browser.get(f"{API}payments/?method=barter")
    assert (refused.status_code, refused.json()["error"]["fields"]) == (
        400,
        {"method": "Select a valid choice. barter is not one of the available choices."},
    )


def test_the_allocations_list_answers_those_of_a_payment_or_to_an_invoice(world, in_scope):
    p = world.porta
    invoice = _invoice(p, in_scope, days_ago=2)
    split = _pay(p, in_scope, "100.00", allocations=[(p.invoice, Decimal("40.00")), (invoice, Decimal("60.00"))])
    browser = signed_in(p.lead)

    def allocated(query):
        return [
            (row["payment"], row["invoice"]["id"], row["amount"])
            for row in browser.get(f"{API}allocations/{query}").json()["results"]
        ]

    assert allocated(f"?payment={split.pk}") == [(split.pk, invoice.pk, "60.00"), (split.pk, p.invoice.pk, "40.00")]
    assert allocated(f"?invoice={p.invoice.pk}") == [
        (split.pk, p.invoice.pk, "40.00"),
        (p.payment.pk, p.invoice.pk, "200.00"),
    ]
    assert allocated(f"?payment={world.nordwind.payment.pk}") == []


# --- Recording ------------------------------------------------------------------------------------


def test_finance_records_a_payment_with_its_allocations(world, in_scope):
    p = world.porta
    invoice = _invoice(p, in_scope, days_ago=2)
    body = {
        "account": p.account.pk,
        "amount": "150.00",
        "received_on": TODAY.isoformat(),
        "method": "direct_debit",
        "reference": "SEPA-77",
        "allocations": [{"invoice": p.invoice.pk, "amount": "90.40"}, {"invoice": invoice.pk, "amount": "50.00"}],
    }
    response = send_json(signed_in(p.finance), "post", f"{API}payments/", body)
    created = response.json()
    assert response.status_code == 201
    assert (created["amount"], created["allocated"], created["unallocated"], created["method"]) == (
        "150.00",
        "140.40",
        "9.60",
        "direct_debit",
    )
    assert [(a["invoice"]["id"], a["amount"], a["is_active"]) for a in created["allocations"]] == [
        (p.invoice.pk, "90.40", True),
        (invoice.pk, "50.00", True),
    ]
    with in_scope(p.org):
        ledger = list(LedgerEntry.objects.filter(payment_id=created["id"]).values_list("kind", "credit"))
    assert ledger == [("payment", Decimal("150.00"))]


def test_a_payment_without_allocations_is_the_accounts_credit(world):
    p = world.porta
    body = {"account": p.account.pk, "amount": "25", "received_on": TODAY.isoformat()}
    response = send_json(signed_in(p.finance), "post", f"{API}payments/", body)
    assert (response.status_code, response.json()["unallocated"], response.json()["allocations"]) == (201, "25.00", [])


CREATE = {"amount": "100.00", "received_on": TODAY.isoformat()}


@pytest.mark.parametrize(
    ("changes", "message", "fields"),
    [
        ({"amount": "0"}, "It must be more than zero.", {"amount": "It must be more than zero."}),
        ({"amount": "-10.00"}, "It must be more than zero.", {"amount": "It must be more than zero."}),
        (
            {"amount": "10.005"},
            "Invalid input: Ensure that there are no more than 2 decimal places.",
            {"amount": "Ensure that there are no more than 2 decimal places."},
        ),
        (
            {"amount": "1000000000000.00"},
            "Invalid input: Ensure that there are no more than 14 digits in total.",
            {"amount": "Ensure that there are no more than 14 digits in total."},
        ),
        (
            {"method": "barter"},
            'Invalid input: "barter" is not a valid choice.',
            {"method": '"barter" is not a valid choice.'},
        ),
        ({"color": "red"}, "Invalid input: Unknown field.", {"color": "Unknown field."}),
        (
            {"received_on": "1800-01-01"},
            "Enter a date from 1900 to 2100.",
            {"received_on": "Enter a date from 1900 to 2100."},
        ),
        (
            {"allocations": [{"invoice": 0, "amount": "1.00"}]},
            "Choose an invoice of this organisation.",
            {"allocations.0.invoice": "Choose an invoice of this organisation."},
        ),
        (
            {"allocations": [{"invoice": "{invoice}", "amount": "90.41"}]},
            "You cannot allocate more than is open on invoice {number}: €90.40.",
            {"allocations.0.amount": "At most €90.40."},
        ),
        (
            {"amount": "50.00", "allocations": [{"invoice": "{invoice}", "amount": "50.01"}]},
            "You cannot allocate more than the payment has left: €50.00.",
            {"allocations": "At most €50.00 in all."},
        ),
        (
            {"allocations": [{"invoice": "{invoice}", "amount": "0"}]},
            "It must be more than zero.",
            {"allocations.0.amount": "It must be more than zero."},
        ),
        (
            {"allocations": [{"invoice": "{invoice}", "amount": "1.001"}]},
            "Invalid input: Ensure that there are no more than 2 decimal places.",
            {"allocations.0.amount": "Ensure that there are no more than 2 decimal places."},
        ),
    ],
)
def test_a_refused_payment_says_why_and_writes_nothing(world, changes, message, fields):
    p = world.porta
    browser = _signed_in(p.finance)
    body = {"account": p.account.pk, **CREATE} | changes
    for item in body.get("allocations", []):
        if item["invoice"] == "{invoice}":
            item["invoice"] = p.invoice.pk
    message = message.replace("{number}", p.invoice.number)
    before = snapshot()
    response = send_json(browser, "post", f"{API}payments/", body)
    assert (response.status_code, response.json(), snapshot() == before) == (400, _invalid(message, fields), True)


def test_another_organisations_invoice_and_another_accounts_invoice_are_refused(world, in_scope):
    p = world.porta
    other_account = _hidden_account(p, in_scope)
    theirs = _invoice(p, in_scope, days_ago=2, account=other_account)
    browser = _signed_in(p.finance)
    before = snapshot()
    foreign = send_json(
        browser,
        "post",
        f"{API}payments/",
        {"account": p.account.pk, **CREATE, "allocations": [{"invoice": world.nordwind.invoice.pk, "amount": "1.00"}]},
    )
    misplaced = send_json(
        browser,
        "post",
        f"{API}payments/",
        {"account": p.account.pk, **CREATE, "allocations": [{"invoice": theirs.pk, "amount": "1.00"}]},
    )
    assert (foreign.status_code, foreign.json()) == (
        400,
        _invalid(
            "Choose an invoice of this organisation.",
            {"allocations.0.invoice": "Choose an invoice of this organisation."},
        ),
    )
    assert (misplaced.status_code, misplaced.json()) == (
        400,
        _invalid(
            "Allocate a payment to invoices of its own account.",
            {"allocations.0.invoice": "Allocate a payment to invoices of its own account."},
        ),
    )
    assert snapshot() == before


def test_an_account_one_does_not_see_or_of_another_organisation_is_not_found(world):
    browser = _signed_in(world.porta.finance)
    before = snapshot()
    response = send_json(browser, "post", f"{API}payments/", {"account": world.nordwind.account.pk, **CREATE})
    assert (response.status_code, response.json(), snapshot() == before) == (
        404,
        {
            "error": {
                "code": "not_found",
                "message": "Not found.",
                "fields": {"account": "No account you can see has this id."},
            }
        },
        True,
    )


# --- Writing is finance's -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2"])
def test_those_who_only_read_are_refused_every_write_and_nothing_is_written(world, in_scope, role):
    p = world.porta
    credit = _pay(p, in_scope, "20.00")
    browser = _signed_in(getattr(p, role))
    before = snapshot()
    answers = [
        send_json(browser, "post", f"{API}payments/", {"account": p.account.pk, **CREATE}),
        send_json(
            browser,
            "post",
            f"{API}payments/{credit.pk}/allocate/",
            {"allocations": [{"invoice": p.invoice.pk, "amount": "5.00"}]},
        ),
        send_json(
            browser, "post", f"{API}payments/{credit.pk}/reverse/", {"reversed_on": TODAY.isoformat(), "reason": "x"}
        ),
    ]
    assert [(a.status_code, a.json()) for a in answers] == [
        (403, _forbidden("Only finance records payments.")),
        (403, _forbidden("Only finance allocates payments.")),
        (403, _forbidden("Only finance reverses payments.")),
    ]
    assert snapshot() == before


# --- Allocating and reversing ---------------------------------------------------------------------


def test_finance_allocates_what_is_left_of_a_payment(world, in_scope):
    p = world.porta
    credit = _pay(p, in_scope, "100.00")
    response = send_json(
        signed_in(p.finance),
        "post",
        f"{API}payments/{credit.pk}/allocate/",
        {"allocations": [{"invoice": p.invoice.pk, "amount": "90.40"}]},
    )
    assert (response.status_code, response.json()["allocated"], response.json()["unallocated"]) == (
        200,
        "90.40",
        "9.60",
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"allocations": [{"invoice": "{invoice}", "amount": "20.01"}]},
            400,
            _invalid(
                "You cannot allocate more than the payment has left: €20.00.", {"allocations": "At most €20.00 in all."}
            ),
        ),
        (
            {"allocations": []},
            400,
            _invalid(
                "Invalid input: This list may not be empty.",
                {"allocations.non_field_errors": "This list may not be empty."},
            ),
        ),
        (
            {"allocations": [{"invoice": "{invoice}", "amount": "1.00"}, {"invoice": "{invoice}", "amount": "1.00"}]},
            400,
            _invalid("Allocate to each invoice once.", {"allocations.1.invoice": "Allocate to each invoice once."}),
        ),
    ],
)
def test_a_refused_allocation_says_why_and_writes_nothing(world, in_scope, body, status, error):
    p = world.porta
    credit = _pay(p, in_scope, "20.00")
    for item in body["allocations"]:
        item["invoice"] = p.invoice.pk
    browser = _signed_in(p.finance)
    before = snapshot()
    response = send_json(browser, "post", f"{API}payments/{credit.pk}/allocate/", body)
    assert (response.status_code, response.json(), snapshot() == before) == (status, error, True)


def test_finance_reverses_a_payment_once(world, in_scope):
    p = world.porta
    browser = _signed_in(p.finance)
    url = f"{API}payments/{p.payment.pk}/reverse/"
    response = send_json(browser, "post", url, {"reversed_on": TODAY.isoformat(), "reason": "Returned by the bank."})
    body = response.json()
    assert (response.status_code, body["is_reversed"], body["reversed_on"], body["unallocated"]) == (
        200,
        True,
        TODAY.isoformat(),
        "0.00",
    )
    assert [(a["is_active"], a["ended_on"], a["ended_because"]) for a in body["allocations"]] == [
        (False, TODAY.isoformat(), "payment_reversed")
    ]
    with in_scope(p.org):
        assert Allocation.objects.filter(payment=p.payment).count() == 1  # ended, not deleted
        kinds = list(LedgerEntry.objects.filter(payment=p.payment).order_by("id").values_list("kind", flat=True))
    assert kinds == ["payment", "payment_reversal"]
    before = snapshot()
    again = send_json(browser, "post", url, {"reversed_on": TODAY.isoformat(), "reason": "Twice"})
    allocate = send_json(
        browser,
        "post",
        f"{API}payments/{p.payment.pk}/allocate/",
        {"allocations": [{"invoice": p.invoice.pk, "amount": "1.00"}]},
    )
    assert (again.status_code, again.json()) == (
        409,
        {"error": {"code": "payment_reversed", "message": "This payment has been reversed already.", "fields": {}}},
    )
    assert (allocate.status_code, allocate.json()) == (
        409,
        {
            "error": {
                "code": "payment_reversed",
                "message": "This payment has been reversed: it cannot be allocated.",
                "fields": {},
            }
        },
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"reversed_on": TODAY.isoformat(), "reason": ""}, {"reason": "This field may not be blank."}),
        ({"reason": "Bounced"}, {"reversed_on": "This field is required."}),
        (
            {"reversed_on": "2001-01-01", "reason": "Bounced"},
            {"reversed_on": "A payment cannot be reversed before it was received."},
        ),
    ],
)
def test_a_refused_reversal_says_why_and_writes_nothing(world, body, fields):
    p = world.porta
    browser = _signed_in(p.finance)
    before = snapshot()
    response = send_json(browser, "post", f"{API}payments/{p.payment.pk}/reverse/", body)
    assert (response.status_code, response.json()["error"]["fields"], snapshot() == before) == (400, fields, True)


# --- Query counts ---------------------------------------------------------------------------------

LIST_QUERIES = 9
ALLOCATIONS_QUERIES = 8


def test_the_lists_take_the_same_queries_with_1_and_with_50_rows(world, in_scope, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.lead)
    with django_assert_num_queries(LIST_QUERIES):
        assert len(browser.get(f"{API}payments/").json()["results"]) == 1
    with django_assert_num_queries(ALLOCATIONS_QUERIES):
        assert len(browser.get(f"{API}allocations/").json()["results"]) == 1
    invoices = [_invoice(p, in_scope, days_ago=n + 1) for n in range(49)]
    for invoice in invoices:
        _pay(p, in_scope, "1.00", allocations=[(invoice, Decimal("1.00"))])
    with django_assert_num_queries(LIST_QUERIES):
        assert len(browser.get(f"{API}payments/").json()["results"]) == 50
    with django_assert_num_queries(ALLOCATIONS_QUERIES):
        assert len(browser.get(f"{API}allocations/").json()["results"]) == 50
