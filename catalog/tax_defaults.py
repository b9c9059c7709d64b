"""The tax rates every organisation starts with: Spain's VAT (IVA) at its general, reduced and
super-reduced rates, 0 %, and exempt with the legal reason the invoice prints. Kept apart from
the services so that a migration can read it without importing the application's models."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# (name, rate, exempt, reason). Named in the organisation's language when it is created; the
# organisation renames them as it likes (they are matched by rate, not by name).
SPANISH_VAT = [
    (_("VAT 21%"), Decimal("21.00"), False, ""),
    (_("VAT 10%"), Decimal("10.00"), False, ""),
    (_("VAT 4%"), Decimal("4.00"), False, ""),
    (_("VAT 0%"), Decimal("0.00"), False, ""),
    (
        _("VAT exempt"),
        Decimal("0.00"),
        True,
        _("Exempt from VAT under article 20 of the Spanish VAT Act (Law 37/1992)."),
    ),
]


def default_tax_rates(language: str) -> list[dict]:
    """The default rates as field values, their texts in `language`."""
    with translation.override(language):
        return [
            {"name": str(name), "rate": rate, "is_exempt": exempt, "exemption_reason": str(reason)}
            for name, rate, exempt, reason in SPANISH_VAT
        ]
