"""Form fields shared by every app's forms."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError
from django import forms
from django.core.exceptions import ValidationError

from tenancy.text import amount_parse, amount_text


class AmountField(forms.DecimalField):
    """Money, or any number with decimals a person types (a target, a percentage): read the way
    they write numbers in their language (Babel's parse_decimal: "12,500.50" in English,
    "12.500,50" or "12500,50" in Spanish and Catalan; see tenancy.text.amount_parse), shown
    back the same way. A text box with the decimal keypad: a number input would refuse the
    grouping people type."""

    def __init__(self, *, max_digits: int = 14, decimal_places: int = 2, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = amount_parse(value)
            except NumberFormatError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)

    def prepare_value(self, value):
        """A stored amount as the reader writes it ("15.000,00"), so that saving the form
        unchanged reads it back the same; what was typed stays as typed."""
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return amount_text(value, self.decimal_places)
        return value
