"""The risk policy's form: the rules of a new version, read as people type numbers in their
language. It parses; billing.services_risk decides (the ranges are the model's, said once)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import RISK_POLICY_RULES, RiskPolicy
from tenancy.fields import AmountField

NUMBER_MESSAGES = ("invalid", "max_digits", "max_whole_digits", "max_decimal_places")


def _decimal(name: str, label) -> AmountField:
    field = RiskPolicy._meta.get_field(name)
    messages = {key: field.error_messages[key] for key in NUMBER_MESSAGES}
    return AmountField(
        label=label,
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        error_messages=messages | {"required": messages["invalid"]},
    )


def _days(name: str, label) -> forms.IntegerField:
    message = RiskPolicy._meta.get_field(name).error_messages["invalid"]
    return forms.IntegerField(
        label=label,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": message, "required": message},
    )


class RiskPolicyForm(forms.Form):
    max_exposure_percent = _decimal("max_exposure_percent", _("Most an account may owe (% of its credit limit)"))
    overdue_tolerance_amount = _decimal("overdue_tolerance_amount", _("Overdue tolerance: amount"))
    overdue_tolerance_days = _days("overdue_tolerance_days", _("Overdue tolerance: days late"))
    min_margin_percent = _decimal("min_margin_percent", _("Minimum margin (%)"))
    max_line_discount_percent = _decimal("max_line_discount_percent", _("Maximum discount on a line (%)"))
    max_discount_percent = _decimal("max_discount_percent", _("Maximum overall discount (%)"))
    max_payment_terms_days = _days("max_payment_terms_days", _("Maximum payment terms (days)"))
    note = forms.CharField(
        label=_("Why it changes"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the version, for whoever reads the history."),
    )

    @classmethod
    def of(cls, policy: RiskPolicy) -> RiskPolicyForm:
        """Unbound, with the rules of `policy` (the version in force) to change."""
        return cls(initial={name: getattr(policy, name) for name in RISK_POLICY_RULES})
