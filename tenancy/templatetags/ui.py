from django import template

register = template.Library()


@register.filter
def bs(field):
    """Render a form field with Bootstrap's classes, marked invalid when it has errors."""
    widget = field.field.widget
    css = "form-select" if getattr(widget, "input_type", "") == "select" or widget.__class__.__name__ in {"Select", "SelectMultiple"} else "form-control"
    if getattr(widget, "input_type", "") == "checkbox":
        css = "form-check-input"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF", "MXN": "MX$"}


@register.filter
def money(value, currency="EUR"):
    """1500 EUR -> '1.500,00 €' in Spanish and Catalan, '€1,500.00' in English. Decimal in, text out."""
    from decimal import Decimal

    from django.utils import translation
    from django.utils.formats import number_format

    if value is None or value == "":
        return "—"
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    number = number_format(amount, 2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if (translation.get_language() or "en")[:2] in ("es", "ca"):
        return f"{number}\u00a0{symbol}"
    if len(symbol) > 1 and not symbol.endswith("$"):
        return f"{symbol}\u00a0{number}"
    if number.startswith("-"):
        return f"-{symbol}{number[1:]}"
    return f"{symbol}{number}"


@register.filter
def number(value, places=0):
    from django.utils.formats import number_format

    if value is None:
        return "—"
    return number_format(value, int(places), use_l10n=True, force_grouping=True)


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts by `key`, and by `-key` when already sorted by it."""
    from django.utils.html import format_html

    request = context["request"]
    current = request.GET.get("sort") or context.get("default_sort", "name")
    query = request.GET.copy()
    query.pop("page", None)
    next_sort = f"-{key}" if current == key else key
    query["sort"] = next_sort
    arrow = " ↑" if current == key else " ↓" if current == f"-{key}" else ""
    return format_html('<a class="ad-sort link-body-emphasis text-decoration-none" href="?{}">{}{}</a>', query.urlencode(), label, arrow)


@register.filter
def pct_class(value):
    """A width utility class (ad-w-0 … ad-w-100, in steps of 5): widths without inline styles."""
    try:
        pct = max(0, min(100, int(round(float(value) / 5) * 5)))
    except (TypeError, ValueError):
        pct = 0
    return f"ad-w-{pct}"
