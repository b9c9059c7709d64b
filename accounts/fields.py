"""Model fields and constraints that say a rule once, on the model, so that `full_clean()`
refuses what the database would, with the sentence a person reads (under the field it is about).

Forms and serializers parse what people type; these read what a service was given (a caller
that is not a form: a task, the demo seed, a test) the same way.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.utils.translation import gettext_lazy as _


class ExactDecimalField(models.DecimalField):
    """A decimal kept exactly as given, never read from a float's binary value (0.1 is 0.1, and
    0.1 + 0.2 is 0.30000000000000004, which has too many decimals): rounding is refused, never
    done. Too many decimals is said before too many digits (it is the likelier slip), and what
    is kept has exactly `decimal_places` places."""

    def to_python(self, value):
        value = super().to_python(repr(value) if isinstance(value, float) else value)
        if value is not None and value.as_tuple().exponent < -self.decimal_places:
            raise ValidationError(
                self.error_messages["max_decimal_places"],
                code="max_decimal_places",
                params={"max": self.decimal_places},
            )
        return value

    def clean(self, value, model_instance):
        value = super().clean(value, model_instance)
        return value.quantize(Decimal(1).scaleb(-self.decimal_places)) if value is not None else value


class MoneyField(ExactDecimalField):
    """An amount of money: 14 digits, two of them decimals (DESIGN.md, Money)."""

    default_error_messages = {
        "invalid": _("Enter an amount, like 1500.00."),
        "null": _("Enter an amount, like 1500.00."),
        "max_digits": _("That amount is too large."),
        "max_whole_digits": _("That amount is too large."),
        "max_decimal_places": _("At most two decimals."),
        "min_value": _("It cannot be negative."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class _WholeNumber:
    """A count: a fraction or a yes/no is not one (int() would read 30.5 as 30 and True as 1)."""

    def to_python(self, value):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return super().to_python(value)


class WholeSmallNumberField(_WholeNumber, models.PositiveSmallIntegerField):
    pass


class WholeNumberField(_WholeNumber, models.PositiveIntegerField):
    pass


class _Trimmed:
    """Text kept without the spaces around it; only spaces is no text (a required field refuses it)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip() if isinstance(value, str) else value


class TrimmedCharField(_Trimmed, models.CharField):
    pass


class TrimmedTextField(_Trimmed, models.TextField):
    pass


class CurrencyField(models.CharField):
    """An ISO 4217 code, kept in capitals ("usd" is USD)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value


class _OnAField:
    """A constraint whose refusal belongs to one field: under it on a form, keyed by it in the
    API's error. With `field_message`, the field gets that and the violation message is the
    refusal's sentence ("This client already has an account with that name." / "Choose
    another name.")."""

    non_db_attrs = (*models.BaseConstraint.non_db_attrs, "field", "field_message")

    def __init__(self, *args, field: str, field_message=None, **kwargs):
        self.field = field
        self.field_message = field_message
        super().__init__(*args, **kwargs)

    def refusal(self, error: ValidationError) -> ValidationError:
        if self.field_message is None:
            return ValidationError({self.field: error})
        return ValidationError(
            {NON_FIELD_ERRORS: error, self.field: ValidationError(self.field_message, code=error.code)}
        )

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            raise self.refusal(error) from None

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["field"] = self.field
        if self.field_message is not None:
            kwargs["field_message"] = self.field_message
        return path, args, kwargs

    def __eq__(self, other):
        return (
            super().__eq__(other)
            and getattr(other, "field", None) == self.field
            and getattr(other, "field_message", None) == self.field_message
        )


class FieldCheckConstraint(_OnAField, models.CheckConstraint):
    pass


class FieldUniqueConstraint(_OnAField, models.UniqueConstraint):
    pass
