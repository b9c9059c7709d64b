"""Every rule one row can state, said by full_clean() in the words a person reads."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Allocation, BillingSettings, CreditNote, Invoice, InvoiceLine, NumberSeries, Payment

D = Decimal


def _errors(row, **clean) -> dict:
    with pytest.raises(ValidationError) as error:
        row.full_clean(**clean)
    return error.value.message_dict


def _line(o, invoice, **fields) -> InvoiceLine:
    values = {
        "organization": o.org,
        "invoice": invoice,
        "position": 9,
        "product": o.product,
        "quantity": D("1"),
        "unit_price": D("10.00"),
        "tax_rate": o.vat21,
    } | fields
    return InvoiceLine(**values)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"quantity": D("0")}, {"quantity": ["The quantity must be more than zero."]}),
        ({"quantity": D("-2")}, {"quantity": ["The quantity must be more than zero."]}),
        ({"quantity": D("1.2345")}, {"quantity": ["At most three decimals."]}),
        ({"quantity": D("1e10")}, {"quantity": ["That quantity is too large."]}),
        ({"quantity": "two"}, {"quantity": ["Enter a quantity, like 2 or 1.5."]}),
        ({"discount_percent": D("100.01")}, {"discount_percent": ["A discount is a percentage from 0 to 100."]}),
        ({"discount_percent": D("-1")}, {"discount_percent": ["A discount is a percentage from 0 to 100."]}),
        ({"discount_percent": D("10.555")}, {"discount_percent": ["At most two decimals."]}),
        ({"unit_price": D("-0.01")}, {"unit_price": ["It cannot be negative."]}),
        ({"unit_price": D("1.234")}, {"unit_price": ["At most two decimals."]}),
        ({"unit_price": D("1e12")}, {"unit_price": ["That amount is too large."]}),
        ({"unit_price": None}, {"unit_price": ["Enter an amount, like 1500.00."]}),
        ({"product": None, "description": ""}, {"description": ["Describe the line, or choose a product."]}),
        ({"tax_rate": None}, {"tax_rate": ["Choose a tax rate."]}),
        (
            {"quantity": D("999999999.999"), "unit_price": D("999999999999.99")},
            {"__all__": ["The line's amount is too large."], "quantity": ["Quantity × unit price is too large."]},
        ),
    ],
)
def test_an_invoice_line_says_what_is_wrong_with_it(world, in_scope, fields, errors):
    p = world.porta
    with in_scope(p.org):
        draft = Invoice.objects.create(organization=p.org, account=p.account, currency="EUR", created_by=p.finance)
        assert _errors(_line(p, draft, **fields)) == errors


def test_an_invoice_line_takes_its_products_name_its_rates_percentage_and_computes_its_net(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        draft = Invoice.objects.create(organization=p.org, account=p.account, currency="EUR", created_by=p.finance)
        line = _line(p, draft, quantity=D("3"), unit_price=D("19.99"), discount_percent=D("12.50"))
        line.full_clean()
    assert (line.description, line.tax_percent, line.net) == ("Sensor kit", D("21.00"), D("52.47"))


def test_an_invoice_line_refuses_another_organisations_product_and_tax_rate(world, in_scope):
    p, n = world.porta, world.nordwind
    with in_scope(p.org):
        draft = Invoice.objects.create(organization=p.org, account=p.account, currency="EUR", created_by=p.finance)
        errors = _errors(_line(p, draft, product=n.product, tax_rate=n.vat21, description="Kit"))
    assert errors == {
        "product": ["Choose a product of this organisation."],
        "tax_rate": ["Choose a tax rate of this organisation."],
    }


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"currency": "USD"}, {"currency": ["The account is billed in EUR: use its currency."]}),
        ({"currency": "XXX"}, {"currency": ["Unknown currency: use an ISO 4217 code such as EUR or USD."]}),
        ({"rate_to_base": D("1.1")}, {"rate_to_base": ["EUR is the organisation's base currency: its rate is 1."]}),
        ({"rate_to_base": D("0")}, {"rate_to_base": ["The rate must be more than zero."]}),
        ({"rate_to_base": D("1.000000001")}, {"rate_to_base": ["At most eight decimals."]}),
        (
            {"issue_date": date(2024, 3, 10), "due_date": date(2024, 3, 9)},
            {"due_date": ["The due date cannot be before the issue date."]},
        ),
        ({"issue_date": date(1899, 12, 31)}, {"issue_date": ["Enter a date from 1900 to 2100."]}),
        (
            {"status": "issued"},
            {
                "__all__": [
                    "An issued invoice has a number, an issue date, a due date and a total above zero; a draft has no number."
                ]
            },
        ),
        ({"status": "paid"}, {"status": ["Choose a value from the list."]}),
        ({"total": D("1.00")}, {"__all__": ["The total is the net amount plus the tax."]}),
    ],
)
def test_an_invoice_says_what_is_wrong_with_it(world, in_scope, fields, errors):
    p = world.porta
    with in_scope(p.org):
        values = {"currency": "EUR"} | fields
        invoice = Invoice(organization=p.org, account=p.account, created_by=p.finance, **values)
        assert _errors(invoice) == errors


def test_an_invoice_refuses_another_organisations_account(world, in_scope):
    p, n = world.porta, world.nordwind
    with in_scope(p.org):
        invoice = Invoice(organization=p.org, account=n.account, currency="EUR", created_by=p.finance)
        assert _errors(invoice, exclude=["created_by"]) == {"account": ["Choose an account of this organisation."]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"amount": D("0")}, {"amount": ["It must be more than zero."]}),
        ({"amount": D("-5")}, {"amount": ["It must be more than zero."]}),
        ({"amount": D("0.001")}, {"amount": ["At most two decimals."]}),
        ({"amount": D("1e12")}, {"amount": ["That amount is too large."]}),
        ({"currency": "USD"}, {"currency": ["The account is billed in EUR: use its currency."]}),
        ({"method": "bitcoin"}, {"method": ["Choose a value from the list."]}),
        (
            {
                "reversed_on": date(2024, 2, 1),
                "reversal_reason": "Bounced",
                "reversed_at": datetime(2024, 2, 1, tzinfo=UTC),
            },
            {"reversed_on": ["A payment cannot be reversed before it was received."]},
        ),
        ({"reversed_on": date(2024, 3, 2)}, {"__all__": ["A reversal has a date and a reason."]}),
    ],
)
def test_a_payment_says_what_is_wrong_with_it(world, in_scope, fields, errors):
    p = world.porta
    values = {"amount": D("10.00"), "currency": "EUR", "received_on": date(2024, 3, 1)} | fields
    with in_scope(p.org):
        payment = Payment(organization=p.org, account=p.account, recorded_by=p.finance, **values)
        assert _errors(payment) == errors


@pytest.mark.parametrize("day", [0, 29, 1.5])
def test_the_statement_day_is_a_day_every_month_has(world, in_scope, day):
    p = world.porta
    with in_scope(p.org):
        settings = BillingSettings(organization=p.org, statement_day=day)
        assert _errors(settings, validate_unique=False, validate_constraints=False) == {
            "statement_day": ["A day of the month from 1 to 28."]
        }


def test_a_credit_note_is_not_dated_before_its_invoice_and_keeps_its_rate(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        note = CreditNote(
            organization=p.org,
            number="R1",
            invoice=p.invoice,
            account=p.account,
            currency="EUR",
            rate_to_base=D("2"),
            issue_date=date(1999, 1, 1),
            reason="x",
            net_total=D("1.00"),
            total=D("1.00"),
            created_by=p.finance,
        )
        assert _errors(note) == {
            "issue_date": [f"A credit note cannot be dated before its invoice ({p.invoice.issue_date.isoformat()})."],
            "rate_to_base": ["A credit note keeps its invoice's rate."],
        }


def test_an_allocation_is_to_an_issued_invoice_of_its_payments_account(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        draft = Invoice.objects.create(organization=p.org, account=p.account, currency="EUR", created_by=p.finance)
        allocation = Allocation(
            organization=p.org,
            payment=p.payment,
            invoice=draft,
            amount=D("1.00"),
            allocated_on=p.payment.received_on,
            created_by=p.finance,
        )
        assert _errors(allocation) == {"invoice": ["Only an issued invoice can be paid."]}


def test_numbers_are_formatted_per_series():
    assert NumberSeries.format("invoice", 2026, 123) == "2026-000123"
    assert NumberSeries.format("credit_note", 2026, 7) == "R2026-000007"
