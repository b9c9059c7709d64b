import datetime
import functools
import html
from decimal import Decimal

from django import forms, template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.dateformat import re_escaped, re_formatchars
from django.utils.encoding import force_str
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.html import avoid_wrapping, format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext, ngettext

from tenancy.text import amount_text

register = template.Library()

# Widgets rendered here in Python: Django renders each widget, and each <option>, through a
# template, which made form-heavy pages (the account page has five forms) spend half their
# time on it. Anything else falls back to Django's own rendering.
_INPUTS = (
    forms.TextInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
)


def _esc(value) -> str:
    """conditional_escape without the lazy-argument wrapper around it, which costs more than
    the escaping: lazy strings are evaluated, safe strings pass, everything else is escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _flatatt(attrs: dict) -> str:
    """django.forms.utils.flatatt, written out: ' name="value"', a bare name for True."""
    return "".join(
        f" {_esc(name)}" if value is True else f' {_esc(name)}="{_esc(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


def _choices(field):
    # A list set on the widget wins (pages that offer the same people several times read
    # them once); otherwise the field's own choices.
    widget_choices = field.field.widget.choices
    return (
        widget_choices if isinstance(widget_choices, (list, tuple)) else getattr(field.field, "choices", widget_choices)
    )


def _option(value, label, chosen) -> str:
    value = force_str(value)
    return f'<option value="{_esc(value)}"{" selected" if value in chosen else ""}>{_esc(label)}</option>'


def _attrs(field, css: str, has_errors: bool) -> dict:
    widget = field.field.widget
    attrs = {**widget.attrs, "class": css, "id": field.auto_id, "name": field.html_name}
    attrs.update(field.build_widget_attrs({}, widget))
    attrs["class"] = css
    if has_errors:
        attrs["aria-invalid"] = "true"
    return attrs


def _select(field, attrs: dict) -> str:
    value = field.value()
    if isinstance(value, bool):  # yes/no filters travel as "true"/"false"
        value = "true" if value else "false"
    selected = {force_str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v not in (None, "")}
    options = "".join(_option(getattr(v, "value", v), label, selected) for v, label in _choices(field))
    if isinstance(field.field.widget, forms.SelectMultiple):
        attrs["multiple"] = True
    return mark_safe(f"<select{_flatatt(attrs)}>{options}</select>")


@register.filter
def bs(field):
    """Render a form field with Bootstrap's classes, marked invalid when it has errors."""
    widget = field.field.widget
    is_select = isinstance(widget, forms.Select) and not isinstance(
        widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.NullBooleanSelect)
    )
    css = (
        "form-select"
        if is_select
        else "form-check-input"
        if getattr(widget, "input_type", "") == "checkbox"
        else "form-control"
    )
    has_errors = _has_errors(field)
    if isinstance(widget, forms.NullBooleanSelect):
        css = "form-select" + (" is-invalid" if has_errors else "")
        chosen = {widget.format_value(field.value())}
        options = "".join(_option(v, label, chosen) for v, label in widget.choices)
        return mark_safe(f"<select{_flatatt(_attrs(field, css, has_errors))}>{options}</select>")
    if has_errors:
        css += " is-invalid"
    if is_select:
        return _select(field, _attrs(field, css, has_errors))
    if isinstance(widget, forms.Textarea):
        value = field.value()
        return mark_safe(
            f"<textarea{_flatatt(_attrs(field, css, has_errors))}>\n{'' if value is None else _esc(force_str(value))}</textarea>"
        )
    if isinstance(widget, _INPUTS) and not widget.is_hidden:
        attrs = _attrs(field, css, has_errors)
        attrs["type"] = widget.attrs.get("type", widget.input_type)
        value = widget.format_value(field.value())
        if value is not None and not isinstance(widget, forms.PasswordInput):
            attrs["value"] = force_str(value)
        return mark_safe(f"<input{_flatatt(attrs)}>")
    return field.as_widget(attrs={"class": css})


@register.filter
def checks(field, flags=""):
    """A multiple-choice field as Bootstrap checkboxes, built in Python (Django renders each
    box through a template). `flags`: "inline" puts them on one line, "small" shrinks labels."""
    flags = set(flags.split())
    box = "form-check form-check-inline" if "inline" in flags else "form-check"
    label_css = "form-check-label small" if "small" in flags else "form-check-label"
    chosen = {force_str(v) for v in (field.value() or [])}
    name, auto_id = _esc(field.html_name), field.auto_id
    boxes = []
    for index, (value, label) in enumerate(_choices(field)):
        value = force_str(getattr(value, "value", value))
        box_id = _esc(f"{auto_id}_{index}")
        mark = " checked" if value in chosen else ""
        boxes.append(
            f'<div class="{box}"><input class="form-check-input" type="checkbox" name="{name}" value="{_esc(value)}" id="{box_id}"{mark}><label class="{label_css}" for="{box_id}">{_esc(label)}</label></div>'
        )
    return mark_safe("".join(boxes))


def _has_errors(field) -> bool:
    # field.errors builds an empty ErrorList with the form's renderer for every field that
    # has none; an unbound form has no errors at all.
    return field.form.is_bound and field.name in field.form.errors


@register.filter
def field_errors(field):
    """A field's errors, under the id its widget's aria-describedby names (`<id>_error`)."""
    if not _has_errors(field):
        return ""
    items = "".join(f'<div class="invalid-feedback d-block">{_esc(error)}</div>' for error in field.errors)
    return mark_safe(f'<div id="{_esc(field.auto_id)}_error">{items}</div>')


@register.filter
def labelled(field):
    """A form field in its block: label, widget (|bs), errors. What an include of a field
    template would render, without the include: the account page shows a dozen."""
    return mark_safe(
        f'<div class="mb-2"><label class="form-label small mb-1" for="{_esc(field.id_for_label)}">{_esc(field.label)}</label>{bs(field)}{field_errors(field)}</div>'
    )


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF", "MXN": "MX$"}


@register.filter
def money(value, currency="EUR"):
    """1500 EUR -> '1.500,00 €' in Spanish and Catalan, '€1,500.00' in English. Decimal in, text out."""
    if value is None or value == "":
        return "—"
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    language = translation.get_language() or settings.LANGUAGE_CODE
    number = amount_text(amount)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if language[:2] in ("es", "ca"):
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
    request = context["request"]
    current = request.GET.get("sort") or context.get("default_sort", "name")
    query = request.GET.copy()
    query.pop("page", None)
    next_sort = f"-{key}" if current == key else key
    query["sort"] = next_sort
    arrow = " ↑" if current == key else " ↓" if current == f"-{key}" else ""
    return format_html('<a class="ad-sort text-decoration-none" href="?{}">{}{}</a>', query.urlencode(), label, arrow)


@register.filter
def pct_class(value):
    """A width utility class (ad-w-0 … ad-w-100, in steps of 5): widths without inline styles."""
    try:
        pct = max(0, min(100, int(round(float(value) / 5) * 5)))
    except (TypeError, ValueError):
        pct = 0
    return f"ad-w-{pct}"


@register.filter
def options(choices, selected):
    """<option>s for [(value, label)] with `selected` chosen, built in Python: lists that repeat
    the same choices on every row (reassigning owners in the portfolio) stay fast."""
    chosen = {force_str(selected)}
    return mark_safe("".join(_option(v, label, chosen) for v, label in choices))


# Under four weeks no calendar month can have passed, so the one unit "ago" shows comes
# from the seconds alone. Beyond, the unit is years or months counted as timesince counts
# them (calendar months, in the value's time zone); only "4 weeks" needs timesince itself.
_AGO_UNITS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


@register.filter
def ago(value):
    """How long ago, in one unit: "3 days", "2 hours"; "just now" under a minute. The same
    text as Django's timesince(value, depth=1)."""
    return _ago(value, timezone.now()) if value else ""


def _ago(value: datetime.datetime, now: datetime.datetime) -> str:
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return gettext("just now")
    if seconds < 28 * 24 * 3600:
        for unit, length in _AGO_UNITS:
            if seconds >= length:
                return avoid_wrapping(TIME_STRINGS[unit] % {"num": int(seconds // length)})
    there = now.astimezone(value.tzinfo) if value.tzinfo is not None and now.tzinfo is not None else now
    months = (there.year - value.year) * 12 + (there.month - value.month)
    if value.day > there.day or (value.day == there.day and value.time() > there.time()):
        months -= 1
    if months >= 12:
        return avoid_wrapping(TIME_STRINGS["year"] % {"num": months // 12})
    if months:
        return avoid_wrapping(TIME_STRINGS["month"] % {"num": months})
    return timesince(value, now=now, depth=1)


@register.filter
def minutes(value):
    """A duration: "1 minute", "45 minutes", in the person's language (the timeline shows one
    per activity, and a filter costs a third of {% blocktranslate count %})."""
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", value) % {"minutes": value}


# --- Short dates ---------------------------------------------------------------------------
# Django's |date reads its format and builds a DateFormat for every value: 40 µs each here,
# and the account page shows three dozen. The short formats of our languages are numeric
# only (d/m/Y H:i): those are compiled once per format into their parts; a format with any
# other part is left to Django.

_DATE_PARTS = {
    "d": lambda v: "%02d" % v.day,
    "j": lambda v: str(v.day),
    "m": lambda v: "%02d" % v.month,
    "n": lambda v: str(v.month),
    "y": lambda v: "%02d" % (v.year % 100),
    "Y": lambda v: "%04d" % v.year,
}
_TIME_PARTS = {
    "G": lambda v: str(v.hour),
    "H": lambda v: "%02d" % v.hour,
    "i": lambda v: "%02d" % v.minute,
    "s": lambda v: "%02d" % v.second,
}


@functools.lru_cache(maxsize=64)
def _format_parts(fmt: str, with_time: bool) -> tuple | None:
    """The format as literal text and callables, exactly as django.utils.dateformat splits it;
    None if a part is not a plain number (or is a time part of a date)."""
    known = _DATE_PARTS | _TIME_PARTS if with_time else _DATE_PARTS
    parts = []
    for i, piece in enumerate(re_formatchars.split(fmt)):
        if i % 2:
            if piece not in known:
                return None
            parts.append(known[piece])
        elif piece:
            parts.append(re_escaped.sub(r"\1", piece))
    return tuple(parts)


def _formatted(value, format_name: str) -> str:
    if value in (None, ""):
        return ""
    parts = _format_parts(get_format(format_name), isinstance(value, datetime.datetime))
    if parts is None:
        return date_filter(value, format_name)
    return "".join(part if isinstance(part, str) else part(value) for part in parts)


@register.filter(expects_localtime=True)
def short_date(value):
    """{{ value|date:"SHORT_DATE_FORMAT" }}, the same text, faster."""
    return _formatted(value, "SHORT_DATE_FORMAT")


@register.filter(expects_localtime=True)
def short_datetime(value):
    """{{ value|date:"SHORT_DATETIME_FORMAT" }}, the same text, faster."""
    return _formatted(value, "SHORT_DATETIME_FORMAT")
