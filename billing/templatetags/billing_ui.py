"""Billing's template filters."""

from decimal import Decimal

from django import template

from tenancy.text import amount_text

register = template.Library()


@register.filter
def quantity(value):
    """A quantity with the decimals it has, in the reader's language: 3.000 reads "3", 1.500
    reads "1.5" ("1,5" in Spanish and Catalan), 1234.250 reads "1,234.25"."""
    if value is None or value == "":
        return "—"
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount_text(amount, max(0, -amount.normalize().as_tuple().exponent))
