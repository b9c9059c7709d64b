"""offers.grading: each rule of the risk policy at its boundary, with its reason in words."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.utils import translation

from billing.models import RiskPolicy
from offers.grading import Terms, grade, reason_text

POLICY = RiskPolicy(
    version=3,
    max_exposure_percent=D("100.00"),
    overdue_tolerance_amount=D("2000.00"),
    overdue_tolerance_days=60,
    min_margin_percent=D("15.00"),
    max_line_discount_percent=D("15.00"),
    max_discount_percent=D("10.00"),
    max_payment_terms_days=60,
)
# Within every rule: owes 20,000 of a 50,000 limit, an offer of 10,000 net (12,100 with tax)
# from a list value of 10,500 (4.8 % off) at a cost of 7,000 (30 % margin).
WITHIN = Terms(
    currency="EUR",
    credit_limit=D("50000.00"),
    payment_terms_days=30,
    balance=D("20000.00"),
    overdue_beyond=D("0.00"),
    open_orders=D("0.00"),
    list_total=D("10500.00"),
    net_total=D("10000.00"),
    cost_total=D("7000.00"),
    total=D("12100.00"),
    line_discounts=((1, D("5.00")), (2, D("0.00"))),
)


def _said(grading) -> list[str]:
    with translation.override("en"):
        return [reason_text(reason) for reason in grading.reasons]


def test_an_offer_within_every_rule_is_graded_a_with_no_reason():
    graded = grade(POLICY, WITHIN)
    assert (graded.grade, graded.reasons) == ("A", [])


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        (D("37900.00"), ("A", [])),  # 37,900 + 12,100 = 50,000: exactly the limit
        (
            D("37900.01"),
            (
                "C",
                [
                    "Exposure would reach 100.1 % of the €50,000.00 credit limit (€50,000.01 owed with this offer); the policy allows 100 %."
                ],
            ),
        ),
        (
            D("46900.00"),
            (
                "C",
                [
                    "Exposure would reach 118 % of the €50,000.00 credit limit (€59,000.00 owed with this offer); the policy allows 100 %."
                ],
            ),
        ),
    ],
)
def test_exposure_counts_the_balance_the_open_orders_and_the_offer_against_the_credit_limit(balance, expected):
    graded = grade(POLICY, replace(WITHIN, balance=balance))
    assert (graded.grade, _said(graded)) == expected
    assert [r["kind"] for r in graded.reasons] == ["financial"] * len(expected[1])


def test_open_orders_count_in_the_exposure_and_no_credit_limit_is_said_as_such():
    assert grade(POLICY, replace(WITHIN, balance=D("30000.00"), open_orders=D("7900.00"))).grade == "A"
    assert grade(POLICY, replace(WITHIN, balance=D("30000.00"), open_orders=D("7900.01"))).grade == "C"
    graded = grade(POLICY, replace(WITHIN, credit_limit=D("0.00")))
    assert _said(graded) == ["The account has no credit limit, and would owe €32,100.00 with this offer."]


@pytest.mark.parametrize(
    ("overdue", "expected"),
    [
        (D("2000.00"), []),
        (D("2000.01"), ["€2,000.01 is more than 60 days overdue; the policy tolerates €2,000.00."]),
    ],
)
def test_overdue_beyond_the_tolerated_days_is_at_most_the_tolerated_amount(overdue, expected):
    assert _said(grade(POLICY, replace(WITHIN, overdue_beyond=overdue))) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(60, []), (61, ["Payment terms of 61 days; the policy allows 60."])],
)
def test_payment_terms_are_at_most_the_policys(days, expected):
    assert _said(grade(POLICY, replace(WITHIN, payment_terms_days=days))) == expected


def test_each_line_over_the_line_discount_is_named_and_the_grade_is_b():
    # given line 1 at the limit and line 3 over it
    terms = replace(WITHIN, line_discounts=((1, D("15.00")), (2, D("0.00")), (3, D("22.00"))))
    # when / then
    graded = grade(POLICY, terms)
    assert (graded.grade, _said(graded)) == ("B", ["Discount 22 % on line 3; the policy allows 15 %."])
    assert graded.reasons == [
        {"kind": "commercial", "rule": "line_discount", "line": "3", "discount": "22.00", "allowed": "15.00"}
    ]


@pytest.mark.parametrize(
    ("net", "expected"),
    [
        (D("9450.00"), []),  # 10 % off the 10,500 list value
        (D("9449.00"), ["Overall discount 10.1 %; the policy allows 10 %."]),  # 10.01 %: up to a tenth
        (D("9000.00"), ["Overall discount 14.3 %; the policy allows 10 %."]),
    ],
)
def test_the_overall_discount_is_at_most_the_policys(net, expected):
    # the cost is low enough that the margin stays within the policy
    terms = replace(WITHIN, net_total=net, cost_total=D("1000.00"))
    assert _said(grade(POLICY, terms)) == expected


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (D("8500.00"), []),  # 15 % margin exactly
        (D("8500.01"), ["Margin 14.9 %; the policy asks for at least 15 %."]),
        (D("9200.00"), ["Margin 8 %; the policy asks for at least 15 %."]),
    ],
)
def test_the_margin_is_at_least_the_policys(cost, expected):
    assert _said(grade(POLICY, replace(WITHIN, cost_total=cost))) == expected


def test_commercial_and_financial_breaches_together_are_graded_d_with_every_reason_in_order():
    terms = replace(WITHIN, payment_terms_days=90, line_discounts=((1, D("20.00")),))
    graded = grade(POLICY, terms)
    assert (graded.grade, [r["kind"] for r in graded.reasons]) == ("D", ["financial", "commercial"])
    with translation.override("es"):
        assert [reason_text(r) for r in graded.reasons] == [
            "Condiciones de pago de 90 días; la política permite 60.",
            "Descuento del 20 % en la línea 1; la política permite el 15 %.",
        ]
