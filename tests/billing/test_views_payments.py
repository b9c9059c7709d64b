"""The payment pages: who reads which payments (the accounts one sees; another organisation's
404), finance alone records, allocates and reverses (403 for the others, nothing written), the
proposal oldest due first, every refusal with its message and nothing written, the list's
filters, sort and exports, and fixed query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from billing import services
from billing.models import Allocation, LedgerEntry, Payment
from tests.factories import add_member, post_unchanged, signed_in

ROLES = ["admin", "lead", "ae", "ae2", "finance"]
TODAY = timezone.localdate()
LIST = "/o/porta/billing/payments/"
NEW = "/o/porta/billing/payments/new/"


def _page(payment) -> str:
    return f"/o/porta/billing/payments/{payment.pk}/"


def _row_ids(content: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'data-testid="payment-row" data-payment-id="(\d+)"', content)]


def _proposal(content: bytes) -> list[tuple[int, str]]:
    """(invoice id, the amount its box proposes), in the order shown."""
    html = content.decode()
    ids = [int(i) for i in re.findall(r'data-testid="proposal-row" data-invoice-id="(\d+)"', html)]
    return [(pk, re.search(rf'name="invoice_{pk}"(?: value="([^"]*)")?', html).group(1) or "") for pk in ids]


def _field_error(content: bytes, field: str) -> str | None:
    found = re.search(rf'id="id_{field}_error"><div class="invalid-feedback d-block">([^<]*)</div>', content.decode())
    return found.group(1) if found else None


def _invoice(p, in_scope, *, days_ago: int, quantity: str = "1", account=None):
    """An invoice issued `days_ago` days ago (due 30 days later): 1 × the sensor kit is
    120.00 + 21 % = 145.20."""
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            issue_date=TODAY - timedelta(days=days_ago),
            lines=[{"product": p.product, "quantity": Decimal(quantity)}],
        )
        return services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)


def _pay(p, in_scope, amount: str, *, account=None, days_ago: int = 1, allocations=None, **fields):
    with in_scope(p.org):
        return services.payment_record(
            organization=p.org,
            actor=p.finance,
            account=account or p.account,
            amount=Decimal(amount),
            received_on=TODAY - timedelta(days=days_ago),
            allocations=allocations,
            **fields,
        )


def _hidden_account(p, in_scope):
    """An account of someone outside the team: the AEs and the lead do not see it."""
    outsider = add_member(p.org, "ae3", ["account_executive"])
    with in_scope(p.org):
        return accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Hidden Account", owner=outsider
        )


def _rows(in_scope, org, model, **filters):
    with in_scope(org):
        return list(model.objects.filter(organization=org, **filters).order_by("id"))


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_who_sees_the_account_reads_its_payments_and_only_finance_is_offered_the_forms(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    listing, detail = browser.get(LIST), browser.get(_page(p.payment))
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert _row_ids(listing.content) == [p.payment.pk]
    assert b"PORTA-TRANSFER-1" in listing.content and "€200.00".encode() in detail.content
    assert b"NORDWIND" not in listing.content + detail.content
    offered = [
        b'data-testid="record-payment"' in listing.content,
        b'data-testid="reverse-form"' in detail.content,
    ]
    assert offered == [role == "finance"] * 2


@pytest.mark.parametrize(
    ("role", "sees"), [("admin", True), ("finance", True), ("lead", False), ("ae", False), ("ae2", False)]
)
def test_the_payments_of_an_account_one_does_not_see_are_not_listed_and_their_page_is_404(world, in_scope, role, sees):
    p = world.porta
    hidden = _pay(p, in_scope, "75.00", account=_hidden_account(p, in_scope), reference="HIDDEN-1")
    browser = signed_in(getattr(p, role))
    listing = browser.get(LIST)
    assert _row_ids(listing.content) == ([hidden.pk, p.payment.pk] if sees else [p.payment.pk])
    assert (b"HIDDEN-1" in listing.content, b"Hidden Account" in listing.content) == (sees, sees)
    assert browser.get(_page(hidden)).status_code == (200 if sees else 404)
    # the account filter offers only the accounts one sees; naming another filters nothing
    filtered = browser.get(f"{LIST}?account={hidden.account_id}")
    assert filtered.status_code == 200
    assert _row_ids(filtered.content) == ([hidden.pk] if sees else [p.payment.pk])
    assert (f'<option value="{hidden.account_id}"'.encode() in filtered.content) == sees


@pytest.mark.parametrize("role", ROLES)
def test_another_organisations_payment_is_404_on_every_page(world, role):
    theirs = world.nordwind.payment
    browser = signed_in(getattr(world.porta, role))
    answers = [
        browser.get(_page(theirs)).status_code,
        browser.post(f"{_page(theirs)}allocate/", {}).status_code,
        browser.post(f"{_page(theirs)}reverse/", {"reversed_on": TODAY.isoformat(), "reason": "x"}).status_code,
    ]
    assert answers == [404, 404, 404]


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2"])
def test_those_who_only_read_get_403_on_every_form_and_nothing_is_written(world, in_scope, role):
    p = world.porta
    invoice = _invoice(p, in_scope, days_ago=10)
    credit = _pay(p, in_scope, "50.00")
    member = getattr(p, role)
    assert signed_in(member).get(NEW).status_code == 403
    attempts = [
        (NEW, {"account": p.account.pk, "amount": "10", "received_on": TODAY.isoformat(), "method": "transfer"}),
        (f"{_page(credit)}allocate/", {f"invoice_{invoice.pk}": "10"}),
        (f"{_page(credit)}reverse/", {"reversed_on": TODAY.isoformat(), "reason": "Bounced"}),
    ]
    for url, data in attempts:
        response, unchanged = post_unchanged(member, url, data)
        assert (url, response.status_code, unchanged) == (url, 403, True)


# --- Recording a payment: the proposal ---------------------------------------------------------


def test_choosing_the_account_proposes_its_open_invoices_oldest_due_first(world, in_scope):
    p = world.porta
    newer, older = _invoice(p, in_scope, days_ago=5), _invoice(p, in_scope, days_ago=20)
    browser = signed_in(p.finance)
    # the world's invoice (90.40 open, due 15 days ago) is the oldest due
    partial = browser.get(f"{NEW}?account={p.account.pk}&amount=200", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert partial.content.lstrip().startswith(b'<div id="allocation-proposal"')
    assert _proposal(partial.content) == [(p.invoice.pk, "90.40"), (older.pk, "109.60"), (newer.pk, "")]
    # without an amount, nothing is proposed but every open invoice is there to fill in
    blank = browser.get(f"{NEW}?account={p.account.pk}", HTTP_HX_REQUEST="true")
    assert _proposal(blank.content) == [(p.invoice.pk, ""), (older.pk, ""), (newer.pk, "")]
    # more than everything open: all of it, the rest stays as credit
    rich = browser.get(f"{NEW}?account={p.account.pk}&amount=1,000", HTTP_HX_REQUEST="true")
    assert _proposal(rich.content) == [(p.invoice.pk, "90.40"), (older.pk, "145.20"), (newer.pk, "145.20")]


def test_the_form_asks_for_the_account_first_and_can_start_with_one(world):
    p = world.porta
    browser = signed_in(p.finance)
    blank = browser.get(NEW)
    assert b"Choose an account to see its open invoices." in blank.content and _proposal(blank.content) == []
    chosen = browser.get(f"{NEW}?account={p.account.pk}")
    assert f'<option value="{p.account.pk}" selected>'.encode() in chosen.content
    assert _proposal(chosen.content) == [(p.invoice.pk, "")]


def test_the_proposal_is_read_as_the_person_writes_amounts(world, in_scope):
    p = world.porta
    p.finance.user.language = "es"
    p.finance.user.save()
    browser = signed_in(p.finance)
    response = browser.get(
        f"{NEW}?account={p.account.pk}&amount=50,5", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert _proposal(response.content) == [(p.invoice.pk, "50,50")]


def test_an_account_with_nothing_open_says_the_amount_stays_as_credit(world, in_scope):
    p = world.porta
    hidden = _hidden_account(p, in_scope)
    response = signed_in(p.finance).get(f"{NEW}?account={hidden.pk}&amount=10", HTTP_HX_REQUEST="true")
    assert _proposal(response.content) == []
    assert b"This account has no open invoices: the whole amount stays as its credit." in response.content


def test_finance_records_a_payment_and_its_allocations_at_once(world, in_scope):
    p = world.porta
    older, newer = _invoice(p, in_scope, days_ago=20), _invoice(p, in_scope, days_ago=5)
    response = signed_in(p.finance).post(
        NEW,
        {
            "account": p.account.pk,
            "amount": "1,200.00",
            "received_on": TODAY.isoformat(),
            "method": "cheque",
            "reference": "CHQ-881",
            f"invoice_{p.invoice.pk}": "90.40",
            f"invoice_{older.pk}": "100",  # partial
            f"invoice_{newer.pk}": "",
        },
    )
    payment = _rows(in_scope, p.org, Payment, reference="CHQ-881")[0]
    assert (response.status_code, response["Location"]) == (302, _page(payment))
    assert (payment.amount, payment.method, payment.received_on) == (Decimal("1200.00"), "cheque", TODAY)
    allocations = _rows(in_scope, p.org, Allocation, payment=payment)
    assert [(a.invoice_id, a.amount) for a in allocations] == [
        (p.invoice.pk, Decimal("90.40")),
        (older.pk, Decimal("100.00")),
    ]
    ledger = _rows(in_scope, p.org, LedgerEntry, payment=payment)
    assert [(e.kind, e.credit, e.debit) for e in ledger] == [("payment", Decimal("1200.00"), Decimal("0.00"))]
    page = signed_in(p.finance).get(_page(payment)).content.decode()
    assert re.search(r'data-testid="unallocated">€1,009.60<', page)
    assert re.search(r'data-testid="allocated">€190.40<', page)


def test_a_payment_with_nothing_allocated_is_all_credit(world, in_scope):
    p = world.porta
    response = signed_in(p.finance).post(
        NEW,
        {
            "account": p.account.pk,
            "amount": "40",
            "received_on": TODAY.isoformat(),
            "method": "cash",
            "reference": "C-1",
        },
    )
    payment = _rows(in_scope, p.org, Payment, reference="C-1")[0]
    assert response.status_code == 302
    assert _rows(in_scope, p.org, Allocation, payment=payment) == []


NEW_DATA = {"amount": "100", "received_on": TODAY.isoformat(), "method": "transfer", "reference": "R"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "0"}, "amount", "It must be more than zero."),
        ({"amount": "-5"}, "amount", "It must be more than zero."),
        ({"amount": ""}, "amount", "Enter an amount, like 1500.00."),
        ({"amount": "10.005"}, "amount", "Ensure that there are no more than 2 decimal places."),
        (
            {"amount": "1000000000000"},
            "amount",
            "Ensure that there are no more than 12 digits before the decimal point.",
        ),
        ({"amount": "ten"}, "amount", "Enter a number."),
        ({"account": ""}, "account", "Choose an account."),
        ({"received_on": ""}, "received_on", "This field is required."),
        ({"received_on": "1800-01-01"}, "received_on", None),
        ({"method": "barter"}, "method", "Select a valid choice. barter is not one of the available choices."),
    ],
)
def test_a_refused_payment_says_why_under_its_field_and_writes_nothing(world, changes, field, message):
    p = world.porta
    response, unchanged = post_unchanged(p.finance, NEW, {"account": p.account.pk, **NEW_DATA} | changes)
    assert (response.status_code, unchanged) == (400, True)
    error = _field_error(response.content, field)
    assert error == message if message is not None else error


def test_another_organisations_account_cannot_be_chosen(world):
    p = world.porta
    data = {"account": world.nordwind.account.pk, **NEW_DATA}
    response, unchanged = post_unchanged(p.finance, NEW, data)
    assert (response.status_code, unchanged) == (400, True)
    assert _field_error(response.content, "account") == "Choose an account of this organisation."


def test_allocating_more_than_an_invoice_has_open_is_refused_on_its_box_and_writes_nothing(world, in_scope):
    p = world.porta
    data = {"account": p.account.pk, **NEW_DATA, f"invoice_{p.invoice.pk}": "95.00"}
    response, unchanged = post_unchanged(p.finance, NEW, data)
    html = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert f"You cannot allocate more than is open on invoice {p.invoice.number}: €90.40." in html
    assert re.findall(r'data-testid="allocation-error">([^<]*)<', html) == ["At most €90.40."]


def test_allocating_more_than_the_payment_is_refused_and_writes_nothing(world, in_scope):
    p = world.porta
    other = _invoice(p, in_scope, days_ago=3)
    data = {"account": p.account.pk, **NEW_DATA, "amount": "100", f"invoice_{p.invoice.pk}": "90.40"}
    data[f"invoice_{other.pk}"] = "20"
    response, unchanged = post_unchanged(p.finance, NEW, data)
    assert (response.status_code, unchanged) == (400, True)
    assert "You cannot allocate more than the payment has left: €100.00." in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "It must be more than zero."),
        ("1.001", "Ensure that there are no more than 2 decimal places."),
        ("x", "Enter a number."),
    ],
)
def test_a_refused_allocation_amount_is_said_on_its_box(world, amount, message):
    p = world.porta
    data = {"account": p.account.pk, **NEW_DATA, f"invoice_{p.invoice.pk}": amount}
    response, unchanged = post_unchanged(p.finance, NEW, data)
    assert (response.status_code, unchanged) == (400, True)
    assert re.findall(r'data-testid="allocation-error">([^<]*)<', response.content.decode()) == [message]


def test_an_htmx_post_answers_the_form_alone(world):
    p = world.porta
    response = signed_in(p.finance).post(
        NEW, {"account": p.account.pk, **NEW_DATA, "amount": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response.content.lstrip().startswith(b'<form id="payment-form"')


# --- A payment: allocating the rest, reversing -------------------------------------------------


def test_finance_allocates_what_is_left_later_as_proposed(world, in_scope):
    p = world.porta
    credit = _pay(p, in_scope, "120.00", reference="LATER")
    invoice = _invoice(p, in_scope, days_ago=2)
    browser = signed_in(p.finance)
    page = browser.get(_page(credit))
    assert _proposal(page.content) == [(p.invoice.pk, "90.40"), (invoice.pk, "29.60")]
    response = browser.post(
        f"{_page(credit)}allocate/", {f"invoice_{p.invoice.pk}": "90.40", f"invoice_{invoice.pk}": "10"}
    )
    assert (response.status_code, response["Location"]) == (302, _page(credit))
    assert [(a.invoice_id, a.amount) for a in _rows(in_scope, p.org, Allocation, payment=credit)] == [
        (p.invoice.pk, Decimal("90.40")),
        (invoice.pk, Decimal("10.00")),
    ]
    after = browser.get(_page(credit)).content.decode()
    assert re.search(r'data-testid="unallocated">€19.60<', after)
    assert "allocated the payment" in after and "€90.40 to " in after


def test_allocating_more_than_the_rest_of_the_payment_is_refused_and_writes_nothing(world, in_scope):
    p = world.porta
    credit = _pay(p, in_scope, "50.00")
    response, unchanged = post_unchanged(p.finance, f"{_page(credit)}allocate/", {f"invoice_{p.invoice.pk}": "60"})
    html = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert re.findall(r'data-testid="allocate-error">([^<]*)<', html) == [
        "You cannot allocate more than the payment has left: €50.00."
    ]


def test_allocating_nothing_is_refused(world, in_scope):
    p = world.porta
    credit = _pay(p, in_scope, "50.00")
    response, unchanged = post_unchanged(p.finance, f"{_page(credit)}allocate/", {f"invoice_{p.invoice.pk}": ""})
    assert (response.status_code, unchanged) == (400, True)
    assert re.findall(r'data-testid="allocate-error">([^<]*)<', response.content.decode()) == [
        "Choose at least one invoice to allocate the payment to."
    ]


def test_finance_reverses_a_payment_once_and_its_allocations_show_as_ended(world, in_scope):
    p = world.porta
    browser = signed_in(p.finance)
    url = f"{_page(p.payment)}reverse/"
    response = browser.post(url, {"reversed_on": TODAY.isoformat(), "reason": "Bounced: no funds."})
    assert (response.status_code, response["Location"]) == (302, _page(p.payment))
    with in_scope(p.org):
        payment = Payment.objects.get(pk=p.payment.pk)
        ended = list(Allocation.objects.filter(payment=payment).values_list("reversal", flat=True))
        kinds = list(LedgerEntry.objects.filter(payment=payment).order_by("id").values_list("kind", "debit", "credit"))
    assert (payment.reversed_on, payment.reversal_reason) == (TODAY, "Bounced: no funds.")
    assert ended == ["payment_reversed"]
    assert kinds == [
        ("payment", Decimal("0.00"), Decimal("200.00")),
        ("payment_reversal", Decimal("200.00"), Decimal("0.00")),
    ]
    page = browser.get(_page(p.payment)).content.decode()
    assert 'data-testid="reversal-notice"' in page and "Bounced: no funds." in page
    assert re.findall(r'data-testid="allocation-row" data-active="(\w+)"', page) == ["false"]
    assert 'data-testid="reverse-form"' not in page and 'data-testid="allocate-form"' not in page
    assert "reversed the payment" in page and "allocations ended: 0 → 1" in page
    # the list says so, and filters by it
    listing = browser.get(f"{LIST}?status=reversed")
    assert _row_ids(listing.content) == [p.payment.pk] and b'data-testid="reversed-badge"' in listing.content
    # a second time is refused, with the reason, and writes nothing
    again, unchanged = post_unchanged(p.finance, url, {"reversed_on": TODAY.isoformat(), "reason": "Twice"})
    assert (again.status_code, unchanged) == (400, True)
    assert re.findall(r'data-testid="reverse-error">([^<]*)<', again.content.decode()) == [
        "This payment has been reversed already."
    ]
    # and a reversed payment cannot be allocated
    allocate, unchanged = post_unchanged(p.finance, f"{_page(p.payment)}allocate/", {f"invoice_{p.invoice.pk}": "1"})
    assert (allocate.status_code, unchanged) == (400, True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reversed_on": TODAY.isoformat(), "reason": ""}, "reason", "Say why the payment is reversed."),
        ({"reversed_on": "", "reason": "Bounced"}, "reversed_on", "This field is required."),
        (
            {"reversed_on": (TODAY - timedelta(days=400)).isoformat(), "reason": "Bounced"},
            "reversed_on",
            "A payment cannot be reversed before it was received.",
        ),
    ],
)
def test_a_refused_reversal_says_why_and_writes_nothing(world, data, field, message):
    p = world.porta
    response, unchanged = post_unchanged(p.finance, f"{_page(p.payment)}reverse/", data)
    assert (response.status_code, unchanged) == (400, True)
    assert _field_error(response.content, field) == message


# --- The list: filters, sort, exports ------------------------------------------------------------


def _three_payments(p, in_scope):
    """A cheque fully allocated 10 days ago, a card payment all credit 5 days ago, the world's
    transfer (25 days ago) reversed."""
    invoice = _invoice(p, in_scope, days_ago=30)
    cheque = _pay(p, in_scope, "145.20", days_ago=10, method="cheque", allocations=[(invoice, Decimal("145.20"))])
    card = _pay(p, in_scope, "30.00", days_ago=5, method="card")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=p.payment, reversed_on=TODAY, reason="Bounced"
        )
    return cheque, card


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["card", "cheque", "world"]),
        ("?method=cheque", ["cheque"]),
        ("?status=active", ["card", "cheque"]),
        ("?status=reversed", ["world"]),
        ("?unallocated=true", ["card"]),
        ("?unallocated=false", ["cheque", "world"]),
        (f"?received_from={(TODAY - timedelta(days=12)).isoformat()}", ["card", "cheque"]),
        (f"?received_to={(TODAY - timedelta(days=6)).isoformat()}", ["cheque", "world"]),
        ("?sort=received_on", ["world", "cheque", "card"]),
        ("?sort=-amount", ["world", "cheque", "card"]),
        ("?sort=amount", ["card", "cheque", "world"]),
        ("?sort=-unallocated", ["card", "world", "cheque"]),
        ("?sort=method", ["card", "cheque", "world"]),
    ],
)
def test_the_list_filters_and_sorts(world, in_scope, query, expected):
    p = world.porta
    cheque, card = _three_payments(p, in_scope)
    names = {cheque.pk: "cheque", card.pk: "card", p.payment.pk: "world"}
    response = signed_in(p.ae).get(LIST + query)
    assert response.status_code == 200
    assert [names[pk] for pk in _row_ids(response.content)] == expected


def test_the_list_shows_amounts_allocated_and_left(world, in_scope):
    p = world.porta
    cheque, card = _three_payments(p, in_scope)
    html = signed_in(p.lead).get(LIST).content.decode()
    row = re.search(rf'data-payment-id="{card.pk}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"€[\d,.]+", row) == ["€30.00", "€30.00", "€0.00", "€30.00"]
    assert 'data-testid="credit-badge"' in row


def test_the_csv_export_has_exactly_what_the_list_shows(world, in_scope):
    p = world.porta
    cheque, _card = _three_payments(p, in_scope)
    response = signed_in(p.ae).get(f"{LIST}export.csv?method=cheque")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Received on",
        "Account",
        "Currency",
        "Amount",
        "Method",
        "Reference",
        "Allocated",
        "Unallocated",
        "Reversed on",
        "Reversal reason",
    ]
    assert rows[1:] == [
        [cheque.received_on.isoformat(), "Porta Account", "EUR", "145.20", "Cheque", "", "145.20", "0.00", "", ""]
    ]


def test_the_xlsx_export_answers_a_workbook(world):
    response = signed_in(world.porta.finance).get(f"{LIST}export.xlsx")
    assert (response.status_code, response.content[:2]) == (200, b"PK")


# --- Query counts -------------------------------------------------------------------------------

LIST_QUERIES = 10
PROPOSAL_QUERIES = 10
DETAIL_QUERIES = 16


def _count(django_assert_num_queries, browser, url, expected, **headers):
    with django_assert_num_queries(expected):
        response = browser.get(url, **headers)
    assert response.status_code == 200
    return response


def test_the_list_takes_the_same_queries_with_1_and_with_50_payments(world, in_scope, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.lead)
    one = _count(django_assert_num_queries, browser, LIST, LIST_QUERIES)
    assert len(_row_ids(one.content)) == 1
    for n in range(49):
        _pay(p, in_scope, f"{n + 1}.00", days_ago=n % 20)
    many = _count(django_assert_num_queries, browser, f"{LIST}?page=2&sort=-amount", LIST_QUERIES)
    assert len(_row_ids(many.content)) == 25
    _count(django_assert_num_queries, browser, f"{LIST}?unallocated=true", LIST_QUERIES)


def test_the_proposal_takes_the_same_queries_with_1_and_with_50_open_invoices(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    browser = signed_in(p.finance)
    url = f"{NEW}?account={p.account.pk}&amount=500"
    one = _count(django_assert_num_queries, browser, url, PROPOSAL_QUERIES, HTTP_HX_REQUEST="true")
    assert len(_proposal(one.content)) == 1
    for n in range(49):
        _invoice(p, in_scope, days_ago=n + 1)
    many = _count(django_assert_num_queries, browser, url, PROPOSAL_QUERIES, HTTP_HX_REQUEST="true")
    assert len(_proposal(many.content)) == 50
    # the whole page, too
    _count(django_assert_num_queries, browser, url, PROPOSAL_QUERIES + 1)


def test_a_payments_page_takes_the_same_queries_whatever_its_allocations(world, in_scope, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.finance)
    credit = _pay(p, in_scope, "10000.00")
    _count(django_assert_num_queries, browser, _page(credit), DETAIL_QUERIES)
    invoices = [_invoice(p, in_scope, days_ago=n + 1) for n in range(30)]
    with in_scope(p.org):
        for invoice in invoices:
            services.payment_allocate(
                organization=p.org, actor=p.finance, payment=credit, allocations=[(invoice, Decimal("100"))]
            )
    page = _count(django_assert_num_queries, browser, _page(credit), DETAIL_QUERIES)
    assert page.content.count(b'data-testid="allocation-row"') == 30
    assert page.content.count(b'data-testid="history-event"') == 30


@pytest.mark.parametrize(
    ("language", "heading", "amount", "badge"),
    [("es", "Cobros", "200,00\xa0€", "Aplicado"), ("ca", "Cobraments", "200,00\xa0€", "Aplicat")],
)
def test_the_list_speaks_spanish_and_catalan(world, language, heading, amount, badge):
    p = world.porta
    p.ae.user.language = language
    p.ae.user.save()
    html = signed_in(p.ae).get(LIST, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<h1 class="h3 mb-0">{heading}</h1>' in html
    assert amount in html and f"{badge}</span>" in html


def test_an_account_in_another_currency_asks_for_its_rate(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        dollars = accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Dollar Account", owner=p.ae, currency="USD"
        )
    browser = signed_in(p.finance)
    proposal = browser.get(f"{NEW}?account={dollars.pk}&amount=10", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="rate_to_base"' in proposal
    assert (
        'name="rate_to_base"'
        not in browser.get(f"{NEW}?account={p.account.pk}", HTTP_HX_REQUEST="true").content.decode()
    )
    data = {"account": dollars.pk, **NEW_DATA}
    response, unchanged = post_unchanged(p.finance, NEW, data)
    assert (response.status_code, unchanged) == (400, True)
    assert _field_error(response.content, "rate_to_base") == "This field is required."
    assert "Give the rate from USD to EUR, the organisation&#x27;s base currency." in response.content.decode()
    recorded = browser.post(NEW, data | {"rate_to_base": "0.9215", "reference": "USD-1"})
    payment = _rows(in_scope, p.org, Payment, reference="USD-1")[0]
    assert (recorded.status_code, payment.currency, payment.rate_to_base) == (302, "USD", Decimal("0.92150000"))
