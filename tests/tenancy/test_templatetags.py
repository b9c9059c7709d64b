"""The widget and URL helpers of tenancy/templatetags/ui.py build HTML in Python: they must
escape exactly as Django does."""

import random
import zoneinfo
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.utils import timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy

from tenancy.templatetags.ui import (
    _ago,
    _esc,
    _flatatt,
    ago,
    bs,
    checks,
    labelled,
    minutes,
    money,
)


@pytest.mark.parametrize(
    "value",
    [
        "<b>\"Tom\" & 'Jerry'</b>",
        mark_safe("<i>safe</i>"),
        format_html("<b>{}</b>", "<x>"),
        gettext_lazy("People"),
        format_lazy("{} <{}>", "a", "b"),
        42,
        None,
    ],
)
def test_escaping_matches_djangos_conditional_escape(value):
    assert _esc(value) == str(conditional_escape(value))


def test_attributes_are_escaped_and_true_ones_are_bare():
    assert (
        _flatatt({"title": 'say "hi" <now>', "required": True, "disabled": False, "placeholder": None})
        == ' title="say &quot;hi&quot; &lt;now&gt;" required'
    )


class _Form(forms.Form):
    name = forms.CharField(max_length=5)
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("<c>", "C")])
    tags = forms.MultipleChoiceField(
        choices=[("x", "<X>"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )


def test_a_bound_field_with_an_error_is_marked_invalid_and_its_value_escaped():
    form = _Form({"name": '"too long"', "kind": "<c>", "tags": ["y"]})
    assert (
        bs(form["name"])
        == '<input maxlength="5" class="form-control is-invalid" id="id_name" name="name" required aria-invalid="true" aria-describedby="id_name_error" type="text" value="&quot;too long&quot;">'
    )
    assert (
        bs(form["kind"])
        == '<select class="form-select" id="id_kind" name="kind"><option value="a">A &amp; B</option><option value="&lt;c&gt;" selected>C</option></select>'
    )


def test_checks_render_each_choice_with_its_own_id_and_the_chosen_ones_checked():
    form = _Form({"name": "ok", "kind": "a", "tags": ["y"]})
    assert checks(form["tags"], "inline small") == (
        '<div class="form-check form-check-inline"><input class="form-check-input" type="checkbox" name="tags" value="x" id="id_tags_0"><label class="form-check-label small" for="id_tags_0">&lt;X&gt;</label></div>'
        '<div class="form-check form-check-inline"><input class="form-check-input" type="checkbox" name="tags" value="y" id="id_tags_1" checked><label class="form-check-label small" for="id_tags_1">Y</label></div>'
    )


@pytest.mark.parametrize("language", ["en", "es", "ca"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Bogota"])
def test_short_dates_read_exactly_as_djangos_date_filter(language, zone):
    from datetime import date, datetime

    from django.template import Context, Template
    from django.utils import timezone, translation

    moments = [datetime(2026, 3, 29, 0, 30, 5, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC), None]
    days = [date(2027, 1, 2), datetime(2026, 10, 25, 1, 15, tzinfo=UTC), None]
    ours = Template(
        "{% load ui %}{% for v in moments %}{{ v|short_datetime }};{% endfor %}{% for v in days %}{{ v|short_date }};{% endfor %}"
    )
    django = Template(
        '{% for v in moments %}{{ v|date:"SHORT_DATETIME_FORMAT" }};{% endfor %}{% for v in days %}{{ v|date:"SHORT_DATE_FORMAT" }};{% endfor %}'
    )
    with translation.override(language), timezone.override(zone):
        context = {"moments": moments, "days": days}
        assert ours.render(Context(context)) == django.render(Context(context))


def test_a_format_with_words_in_it_is_left_to_django():
    from datetime import date

    from django.template.defaultfilters import date as django_date
    from django.utils import translation

    from tenancy.templatetags.ui import _formatted

    with translation.override("en"):
        assert (
            _formatted(date(2026, 3, 9), "DATE_FORMAT")
            == django_date(date(2026, 3, 9), "DATE_FORMAT")
            == "9 March 2026"
        )


@pytest.mark.parametrize("language", ["en", "es", "ca"])
@pytest.mark.parametrize(
    "before",
    [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=59, seconds=59),
        timedelta(hours=5),
        timedelta(days=1),
        timedelta(days=6, hours=23),
        timedelta(days=13),
        timedelta(days=27, hours=23),
        timedelta(days=28),
        timedelta(days=45),
        timedelta(days=400),
    ],
)
def test_ago_says_what_djangos_timesince_says_in_one_unit(language, before):
    now = timezone.now()
    with translation.override(language):
        expected = (
            translation.gettext("just now")
            if before < timedelta(minutes=1)
            else timesince(now - before, now=now, depth=1)
        )
        assert ago(now - before) == expected


def _moments(seed: int, count: int) -> list[tuple[datetime, datetime]]:
    """(value, now) pairs over four years, in UTC and in Madrid's time, with the calendar's edges:
    month ends, leap days, the same day of a month at an earlier or later time."""
    rng = random.Random(seed)
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    nows = [
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
        datetime(2028, 2, 29, 23, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 12, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]
    pairs = []
    for _ in range(count):
        now = rng.choice(nows)
        value = now - timedelta(seconds=rng.randrange(0, 4 * 366 * 24 * 3600))
        pairs.append((value.astimezone(madrid) if rng.random() < 0.5 else value, now))
    for now in nows:
        pairs += [(now - timedelta(seconds=seconds), now) for seconds in (0, 59, 60, 119, 3599, 3600, 7300)]
        for months_back in range(0, 40):
            for day in (1, 28, 29, 30, 31):
                for hour in (0, 12, 23):
                    year, month = divmod(now.year * 12 + now.month - 1 - months_back, 12)
                    try:
                        pairs.append((datetime(year, month + 1, day, hour, now.minute, tzinfo=UTC), now))
                    except ValueError:
                        continue
    return [(value, now) for value, now in pairs if value <= now]


@pytest.mark.parametrize("language", ["en", "es", "ca"])
def test_ago_counts_months_and_years_as_djangos_timesince_does(language):
    # given
    pairs = _moments(seed=3, count=3000)
    # when
    with translation.override(language):
        shown = [_ago(value, now) for value, now in pairs]
        expected = [
            translation.gettext("just now")
            if (now - value).total_seconds() < 60
            else timesince(value, now=now, depth=1)
            for value, now in pairs
        ]
    # then
    assert [(str(v), str(n), s) for (v, n), s, e in zip(pairs, shown, expected, strict=False) if s != e] == []


def test_the_compared_moments_reach_every_unit_and_edge():
    with translation.override("en"):
        units = {_ago(value, now).split("\xa0")[-1] for value, now in _moments(seed=3, count=3000)}
    assert units == {
        "just now",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
    }


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("en", Decimal("1500"), "EUR", "€1,500.00"),
        ("en", Decimal("-1234567.89"), "USD", "-$1,234,567.89"),
        ("en", Decimal("0.5"), "CHF", "CHF\u00a00.50"),
        ("es", Decimal("1500"), "EUR", "1.500,00\u00a0€"),
        ("ca", Decimal("-1234567.89"), "EUR", "-1.234.567,89\u00a0€"),
        ("es", None, "EUR", "—"),
    ],
)
def test_money_is_formatted_for_the_language_from_the_exact_decimal(language, amount, currency, shown):
    with translation.override(language):
        assert money(amount, currency) == shown


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("en", 1, "1 minute"),
        ("en", 45, "45 minutes"),
        ("ca", 1, "1 minut"),
        ("ca", 1440, "1440 minuts"),
        ("es", 30, "30 minutos"),
    ],
)
def test_minutes_are_said_in_the_persons_language(language, value, shown):
    with translation.override(language):
        assert minutes(value) == shown


def test_a_labelled_field_shows_its_label_widget_and_errors_escaped():
    class Form(forms.Form):
        name = forms.CharField(label="Name <b>", max_length=3)

    shown = labelled(Form({"name": "too <long>"})["name"])
    assert shown == (
        '<div class="mb-2"><label class="form-label small mb-1" for="id_name">Name &lt;b&gt;</label>'
        '<input maxlength="3" class="form-control is-invalid" id="id_name" name="name" required aria-invalid="true" aria-describedby="id_name_error" type="text" value="too &lt;long&gt;">'
        '<div id="id_name_error"><div class="invalid-feedback d-block">Ensure this value has at most 3 characters (it has 10).</div></div></div>'
    )
    assert (
        labelled(Form()["name"])
        == '<div class="mb-2"><label class="form-label small mb-1" for="id_name">Name &lt;b&gt;</label><input maxlength="3" class="form-control" id="id_name" name="name" required type="text"></div>'
    )
