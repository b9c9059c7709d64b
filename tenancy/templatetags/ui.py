"""The project's template filters: money, numbers and long dates in the reader's language
(Babel), sort links and width classes. Form fields render through Django's form rendering
(config.renderers); short dates through Django's |date, durations through timesince."""

from decimal import Decimal

from babel.dates import format_date
from django import template
from django.utils.translation import pgettext

from tenancy.text import amount_text, money_text, reader_locale

register = template.Library()


@register.filter
def money(value, currency="EUR"):
    """1500 EUR -> '1.500,00 €' in Spanish and Catalan, '€1,500.00' in English. Decimal in, text out."""
    if value is None or value == "":
        return "—"
    return money_text(value if isinstance(value, Decimal) else Decimal(str(value)), currency)


@register.filter
def number(value, places=0):
    """12500 -> '12,500' in English, '12.500' in Spanish and Catalan; `places` decimals."""
    if value is None:
        return "—"
    return amount_text(value, int(places))


@register.filter
def quantity(value):
    """A quantity with the decimals it has, at most three: 4.000 -> '4', 1.500 -> '1.5' ('1,5' in
    Spanish and Catalan), 12500 -> '12,500'."""
    if value is None:
        return "—"
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount_text(value, min(3, max(0, -value.normalize().as_tuple().exponent)))


@register.filter(expects_localtime=True)
def long_date(value):
    """A day with its weekday, as a sentence in the reader's language says it: "Sunday 6 December
    2026", "domingo, 6 de diciembre de 2026", "diumenge, 6 de desembre de 2026" (with "d’abril":
    Babel's month names know Catalan's elision, Django's do not)."""
    if not value:
        return ""
    pattern = pgettext("a long date with its weekday, as a Babel (CLDR) date pattern", "EEEE d MMMM y")
    return format_date(value, pattern, locale=reader_locale())


@register.filter
def pct_class(value):
    """A width utility class (ad-w-0 … ad-w-100, in steps of 5): widths without inline styles."""
    try:
        pct = max(0, min(100, int(round(float(value) / 5) * 5)))
    except (TypeError, ValueError):
        pct = 0
    return f"ad-w-{pct}"
