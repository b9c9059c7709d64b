"""What finance's risk policy thinks of an offer: a grade and every reason, in words and numbers.

    A  within every rule
    B  commercial terms outside the policy (a discount, the margin): the account's sales lead approves
    C  financial risk outside the policy (exposure, overdue, payment terms): finance approves
    D  both: both approve

The rules, each at its boundary (a value equal to the limit is within it):

- exposure: what the account would owe (its balance in the ledger, its open orders and this
  offer's total) is at most `max_exposure_percent` of its credit limit;
- overdue: what it owes more than `overdue_tolerance_days` past due is at most
  `overdue_tolerance_amount`;
- payment terms: the account's are at most `max_payment_terms_days`;
- line discount: no line's discount is over `max_line_discount_percent`;
- discount: the offer's overall discount (1 − net ÷ list value) is at most `max_discount_percent`;
- margin: (net − cost) ÷ net is at least `min_margin_percent`.

A reason is stored as its rule and numbers (JSON) and said in the reader's language when it is
read (`reason_text`), so that finance in Catalan and the AE in Spanish read the same reason.
Pure: it takes the numbers, it reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_UP, Decimal

from django.utils.translation import gettext as _

from offers.models import ApprovalKind, Grade
from tenancy.text import amount_text, money_text

HUNDRED = Decimal("100")
COMMERCIAL, FINANCIAL = ApprovalKind.COMMERCIAL.value, ApprovalKind.FINANCIAL.value


@dataclass(frozen=True)
class Terms:
    """What is graded: the account's credit limit, payment terms and currency; what it owes
    (`balance`, and `overdue_beyond`: owed more than the policy's tolerance days past due);
    its open orders; this offer's totals and each line's (position, discount %)."""

    currency: str
    credit_limit: Decimal
    payment_terms_days: int
    balance: Decimal
    overdue_beyond: Decimal
    open_orders: Decimal
    list_total: Decimal
    net_total: Decimal
    cost_total: Decimal
    total: Decimal
    line_discounts: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True)
class Grading:
    grade: str
    reasons: list[dict]

    @property
    def kinds(self) -> set[str]:
        return {reason["kind"] for reason in self.reasons}


def _percent(part: Decimal, whole: Decimal, rounding: str = ROUND_UP) -> Decimal:
    """To a tenth, rounded towards the breach (up for what has a maximum, down for the margin):
    a value over its limit never reads as the limit."""
    return (part * HUNDRED / whole).quantize(Decimal("0.1"), rounding=rounding)


def _reason(kind: str, rule: str, **numbers) -> dict:
    return {"kind": kind, "rule": rule, **{name: str(value) for name, value in numbers.items()}}


def grade(policy, terms: Terms) -> Grading:
    """The grade `policy` (a billing.RiskPolicy version) gives an offer on `terms`."""
    reasons = []
    exposure = terms.balance + terms.open_orders + terms.total
    allowed = terms.credit_limit * policy.max_exposure_percent / HUNDRED
    if exposure > allowed:
        if terms.credit_limit > 0:
            reasons.append(
                _reason(
                    FINANCIAL,
                    "exposure",
                    percent=_percent(exposure, terms.credit_limit),
                    limit=terms.credit_limit,
                    allowed_percent=policy.max_exposure_percent,
                    exposure=exposure,
                    currency=terms.currency,
                )
            )
        else:
            reasons.append(_reason(FINANCIAL, "no_credit_limit", exposure=exposure, currency=terms.currency))
    if terms.overdue_beyond > policy.overdue_tolerance_amount:
        reasons.append(
            _reason(
                FINANCIAL,
                "overdue",
                overdue=terms.overdue_beyond,
                days=policy.overdue_tolerance_days,
                tolerance=policy.overdue_tolerance_amount,
                currency=terms.currency,
            )
        )
    if terms.payment_terms_days > policy.max_payment_terms_days:
        reasons.append(
            _reason(FINANCIAL, "payment_terms", days=terms.payment_terms_days, allowed=policy.max_payment_terms_days)
        )
    for position, discount in terms.line_discounts:
        if discount > policy.max_line_discount_percent:
            reasons.append(
                _reason(
                    COMMERCIAL,
                    "line_discount",
                    line=position,
                    discount=discount,
                    allowed=policy.max_line_discount_percent,
                )
            )
    if terms.list_total > 0:
        discount = _percent(terms.list_total - terms.net_total, terms.list_total)
        if discount > policy.max_discount_percent:
            reasons.append(_reason(COMMERCIAL, "discount", discount=discount, allowed=policy.max_discount_percent))
    if terms.net_total > 0:
        margin = _percent(terms.net_total - terms.cost_total, terms.net_total, ROUND_FLOOR)
        if margin < policy.min_margin_percent:
            reasons.append(_reason(COMMERCIAL, "margin", margin=margin, allowed=policy.min_margin_percent))
    kinds = {reason["kind"] for reason in reasons}
    letter = {
        frozenset(): Grade.A,
        frozenset({COMMERCIAL}): Grade.B,
        frozenset({FINANCIAL}): Grade.C,
        frozenset({COMMERCIAL, FINANCIAL}): Grade.D,
    }[frozenset(kinds)]
    return Grading(letter.value, reasons)


def _amount(reason: dict, name: str) -> str:
    return money_text(Decimal(reason[name]), reason["currency"])


def _number(reason: dict, name: str) -> str:
    value = Decimal(reason[name])
    return amount_text(value, places=1 if value != value.to_integral_value() else 0)


def reason_text(reason: dict) -> str:
    """A stored reason, in the active language."""
    rule = reason["rule"]
    if rule == "exposure":
        return _(
            "Exposure would reach %(percent)s %% of the %(limit)s credit limit (%(exposure)s owed with this offer); "
            "the policy allows %(allowed)s %%."
        ) % {
            "percent": _number(reason, "percent"),
            "limit": _amount(reason, "limit"),
            "exposure": _amount(reason, "exposure"),
            "allowed": _number(reason, "allowed_percent"),
        }
    if rule == "no_credit_limit":
        return _("The account has no credit limit, and would owe %(exposure)s with this offer.") % {
            "exposure": _amount(reason, "exposure")
        }
    if rule == "overdue":
        return _("%(overdue)s is more than %(days)s days overdue; the policy tolerates %(tolerance)s.") % {
            "overdue": _amount(reason, "overdue"),
            "days": reason["days"],
            "tolerance": _amount(reason, "tolerance"),
        }
    if rule == "payment_terms":
        return _("Payment terms of %(days)s days; the policy allows %(allowed)s.") % {
            "days": reason["days"],
            "allowed": reason["allowed"],
        }
    if rule == "line_discount":
        return _("Discount %(discount)s %% on line %(line)s; the policy allows %(allowed)s %%.") % {
            "discount": _number(reason, "discount"),
            "line": reason["line"],
            "allowed": _number(reason, "allowed"),
        }
    if rule == "discount":
        return _("Overall discount %(discount)s %%; the policy allows %(allowed)s %%.") % {
            "discount": _number(reason, "discount"),
            "allowed": _number(reason, "allowed"),
        }
    if rule == "margin":
        return _("Margin %(margin)s %%; the policy asks for at least %(allowed)s %%.") % {
            "margin": _number(reason, "margin"),
            "allowed": _number(reason, "allowed"),
        }
    raise ValueError(f"unknown rule {rule}")
