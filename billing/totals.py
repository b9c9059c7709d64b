"""The one place where a document's money is computed: line nets, tax per rate, totals, and
what a credit note of part of an invoice amounts to.

Spanish invoices (and DESIGN.md, Money): a line's net is quantity × unit price × (1 − discount
/ 100), rounded half-up to the cent; the tax is computed per rate on the sum of that rate's line
nets, rounded half-up; the total is net + tax. Arithmetic runs with enough precision for the
largest values the fields hold (a quantity of 12 digits times a price of 14 times a discount
factor), so nothing is rounded before the cent.

Credit notes are proportional and cumulative, so that an invoice credited in several parts
adds up exactly to what it was invoiced, never a cent more (see `credit_amounts`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
_PRECISION = 60


def cents(amount: Decimal) -> Decimal:
    """`amount` rounded half-up to the cent."""
    with localcontext(prec=_PRECISION):
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity × unit price × (1 − discount / 100), rounded half-up to the cent."""
    with localcontext(prec=_PRECISION):
        return cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def tax_on(net: Decimal, percent: Decimal) -> Decimal:
    """The tax at `percent` on a sum of line nets, rounded half-up to the cent."""
    with localcontext(prec=_PRECISION):
        return cents(net * percent / HUNDRED)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in the organisation's base currency at a document's rate, half-up to the cent."""
    with localcontext(prec=_PRECISION):
        return cents(amount * rate)


def pro_rata(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """The share `part / whole` of `amount`, rounded half-up to the cent once (a product's share
    of a payment applied to an invoice: billing.statements). Zero when `whole` is zero."""
    if not whole:
        return ZERO
    with localcontext(prec=_PRECISION):
        return cents(amount * part / whole)


@dataclass(frozen=True)
class TaxLine:
    """One rate's share of a document: the base it applies to and its tax."""

    rate_key: Hashable  # what tells rates apart (the tax rate's id and its percentage)
    percent: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    rates: tuple[TaxLine, ...]  # the highest percentage first


@dataclass(frozen=True)
class LineAmount:
    """What `document_totals` needs of a line: its rate and its (already rounded) net."""

    rate_key: Hashable
    percent: Decimal
    net: Decimal


def _totals(rates: Iterable[TaxLine]) -> Totals:
    rates = tuple(sorted(rates, key=lambda r: (-r.percent, str(r.rate_key))))
    net = sum((r.net for r in rates), ZERO)
    tax = sum((r.tax for r in rates), ZERO)
    return Totals(net=net, tax=tax, total=net + tax, rates=rates)


def document_totals(lines: Iterable[LineAmount]) -> Totals:
    """An invoice's totals: its line nets added per rate, each rate's tax on that sum."""
    nets: dict[Hashable, Decimal] = {}
    percents: dict[Hashable, Decimal] = {}
    for line in lines:
        nets[line.rate_key] = nets.get(line.rate_key, ZERO) + line.net
        percents[line.rate_key] = line.percent
    return _totals(TaxLine(key, percents[key], net, tax_on(net, percents[key])) for key, net in nets.items())


@dataclass(frozen=True)
class InvoicedLine:
    """An invoice line as a credit note sees it."""

    quantity: Decimal
    net: Decimal
    rate_key: Hashable
    percent: Decimal


@dataclass(frozen=True)
class CreditAmounts:
    line_nets: dict[Hashable, Decimal]  # per invoice line credited now
    totals: Totals


def credited_net(line: InvoicedLine, credited_quantity: Decimal) -> Decimal:
    """The part of a line's net that `credited_quantity` of it (in all, over every credit note)
    amounts to: proportional, rounded half-up; the whole quantity is exactly the line's net."""
    if credited_quantity == line.quantity:
        return line.net
    with localcontext(prec=_PRECISION):
        return cents(line.net * credited_quantity / line.quantity)


def credit_amounts(
    lines: Mapping[Hashable, InvoicedLine],
    credited_before: Mapping[Hashable, Decimal],
    crediting: Mapping[Hashable, Decimal],
) -> CreditAmounts:
    """What a credit note of `crediting` (line → quantity) of an invoice amounts to, after the
    quantities `credited_before` by earlier credit notes.

    Cumulative, so that the parts add up to the whole: a line's net credited now is what the
    quantity credited in all comes to, less what earlier notes credited of it; a rate's tax now
    is the tax on the net credited of that rate in all, less the tax on what was credited of it
    before. Every credit note computed this way, the credit notes of an invoice add up per rate
    to the tax on their nets, and when everything is credited, to exactly the invoice's totals:
    never more (each part is non-negative, and the whole is bounded by the invoice's)."""
    line_nets: dict[Hashable, Decimal] = {}
    for key, quantity in crediting.items():
        line = lines[key]
        before = credited_before.get(key, Decimal(0))
        line_nets[key] = credited_net(line, before + quantity) - credited_net(line, before)
    before_by_rate: dict[Hashable, Decimal] = {}
    after_by_rate: dict[Hashable, Decimal] = {}
    percents: dict[Hashable, Decimal] = {}
    for key, line in lines.items():
        before = credited_before.get(key, Decimal(0))
        after = before + crediting.get(key, Decimal(0))
        before_by_rate[line.rate_key] = before_by_rate.get(line.rate_key, ZERO) + credited_net(line, before)
        after_by_rate[line.rate_key] = after_by_rate.get(line.rate_key, ZERO) + credited_net(line, after)
        percents[line.rate_key] = line.percent
    rates = [
        TaxLine(
            key,
            percents[key],
            after_by_rate[key] - before_by_rate[key],
            tax_on(after_by_rate[key], percents[key]) - tax_on(before_by_rate[key], percents[key]),
        )
        for key in after_by_rate
        if after_by_rate[key] != before_by_rate[key]
    ]
    return CreditAmounts(line_nets=line_nets, totals=_totals(rates))
