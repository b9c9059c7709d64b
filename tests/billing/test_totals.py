"""billing/totals.py: the one place money is computed."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.totals import (
    InvoicedLine,
    LineAmount,
    TaxLine,
    credit_amounts,
    document_totals,
    line_net,
    tax_on,
    to_base,
)

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "net"),
    [
        ("3", "19.99", "12.50", "52.47"),  # 52.47375
        ("1.5", "33.33", "0", "50.00"),  # 49.995: half up
        ("0.001", "0.01", "0", "0.00"),
        ("2", "0.005", "0", "0.01"),
        ("1", "100.00", "100", "0.00"),
        ("999999999.999", "999.99", "0.01", "999890000999.00"),
    ],
)
def test_a_line_net_is_rounded_half_up_to_the_cent(quantity, price, discount, net):
    assert line_net(D(quantity), D(price), D(discount)) == D(net)


def test_the_largest_values_are_computed_without_losing_a_digit():
    # 12 digits of quantity times 14 of price: more than Decimal's 28 digits by default
    assert line_net(D("999999999.999"), D("999999999999.99"), D("33.33")) == D("666699999999326633000.00")


def _half_up_cents(value: Fraction) -> Decimal:
    """The exact rational rounded half up to the cent: the reference line_net must agree with."""
    cents_ = value * 100
    whole = int(cents_)
    if cents_ - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=D("0.001"), max_value=D("999999999.999"), places=3),
    st.decimals(min_value=D("0.00"), max_value=D("999999999999.99"), places=2),
    st.decimals(min_value=D("0.00"), max_value=D("100.00"), places=2),
)
def test_a_line_net_is_the_exact_product_rounded_half_up(quantity, price, discount):
    exact = Fraction(quantity) * Fraction(price) * (100 - Fraction(discount)) / 100
    assert line_net(quantity, price, discount) == _half_up_cents(exact)


def test_tax_is_computed_per_rate_on_the_sum_of_its_lines_nets():
    # given two lines at 21 % of 0.07 each: 0.0147 each would round to 0.01, twice 0.02
    lines = [LineAmount("vat21", D("21.00"), D("0.07")), LineAmount("vat21", D("21.00"), D("0.07"))]
    lines.append(LineAmount("vat10", D("10.00"), D("50.00")))
    # when
    totals = document_totals(lines)
    # then 0.14 × 21 % = 0.0294 is 0.03
    assert totals.rates == (
        TaxLine("vat21", D("21.00"), D("0.14"), D("0.03")),
        TaxLine("vat10", D("10.00"), D("50.00"), D("5.00")),
    )
    assert (totals.net, totals.tax, totals.total) == (D("50.14"), D("5.03"), D("55.17"))


def test_an_empty_document_totals_zero():
    totals = document_totals([])
    assert (totals.net, totals.tax, totals.total, totals.rates) == (D("0.00"), D("0.00"), D("0.00"), ())


def test_tax_and_base_amounts_round_half_up():
    assert tax_on(D("0.50"), D("21")) == D("0.11")  # 0.105
    assert to_base(D("100.00"), D("1.08455")) == D("108.46")  # 108.455


def test_a_line_credited_in_three_parts_adds_up_to_its_net_and_tax_exactly():
    # given a line of 3 at 1.00 less 33.33 %: 2.0001 is 2.00; a third would be 0.67 each
    lines = {1: InvoicedLine(D("3"), line_net(D("3"), D("1.00"), D("33.33")), "vat", D("21"))}
    credited = {}
    notes = []
    # when credited one by one
    for _ in range(3):
        notes.append(credit_amounts(lines, credited, {1: D("1")}))
        credited[1] = credited.get(1, D(0)) + D("1")
    # then the parts are 0.67, 0.66, 0.67 and the taxes add up to the invoice's 0.42
    assert [n.line_nets[1] for n in notes] == [D("0.67"), D("0.66"), D("0.67")]
    assert sum(n.totals.tax for n in notes) == tax_on(D("2.00"), D("21")) == D("0.42")
    assert sum(n.totals.total for n in notes) == D("2.42")


def test_a_credit_of_a_rate_whose_tax_rounds_up_in_parts_never_credits_more_than_invoiced():
    # given a net of 0.06 at 21 %: tax 0.0126 is 0.01; each half alone would be 0.0063, 0.01
    lines = {1: InvoicedLine(D("2"), D("0.06"), "vat", D("21"))}
    first = credit_amounts(lines, {}, {1: D("1")})
    second = credit_amounts(lines, {1: D("1")}, {1: D("1")})
    assert (first.totals.tax, second.totals.tax) == (D("0.01"), D("0.00"))
    assert first.totals.total + second.totals.total == D("0.07")


amounts = st.decimals(min_value=D("0.00"), max_value=D("5000.00"), places=2)
quantities = st.integers(min_value=1, max_value=20)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(quantities, amounts, st.sampled_from([D("0"), D("4"), D("10"), D("21")])), min_size=1, max_size=4
    ),
    st.data(),
)
def test_credit_notes_of_any_parts_add_up_to_at_most_the_invoice_and_exactly_to_it_when_complete(invoice_lines, data):
    # given an invoice's lines and their totals
    lines = {
        i: InvoicedLine(D(q), line_net(D(q), price, D("7.5")), f"r{percent}", percent)
        for i, (q, price, percent) in enumerate(invoice_lines)
    }
    invoice = document_totals(LineAmount(line.rate_key, line.percent, line.net) for line in lines.values())
    credited: dict[int, Decimal] = {}
    total_credited = D("0.00")
    # when the lines are credited in random parts until nothing is left
    while any(credited.get(i, 0) < line.quantity for i, line in lines.items()):
        crediting = {}
        for i, line in lines.items():
            left = int(line.quantity - credited.get(i, 0))
            if left:
                crediting[i] = D(data.draw(st.integers(min_value=0, max_value=left)))
        crediting = {i: q for i, q in crediting.items() if q} or {next(i for i in crediting): D(1)}
        note = credit_amounts(lines, credited, crediting)
        assert all(net >= 0 for net in note.line_nets.values()) and note.totals.tax >= 0
        total_credited += note.totals.total
        # then never more than invoiced
        assert total_credited <= invoice.total
        for i, q in crediting.items():
            credited[i] = credited.get(i, D(0)) + q
    # and, everything credited, exactly what was invoiced
    assert total_credited == invoice.total
