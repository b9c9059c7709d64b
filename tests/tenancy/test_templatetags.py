"""How fields, money, numbers and long dates are shown: Django's form rendering with the project's
field template (config.renderers, templates/forms/field.html), Babel for money, numbers and long
dates (tenancy/templatetags/ui.py, tenancy/text.py), Babel for what people type (tenancy.fields)."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from config.renderers import FormRenderer
from tenancy.fields import AmountField
from tenancy.templatetags.ui import long_date, money, number
from tenancy.text import amount_text


class _Form(forms.Form):
    name = forms.CharField(label="Name <b>", max_length=5)
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("<c>", "C")])
    tags = forms.MultipleChoiceField(
        choices=[("x", "<X>"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    agree = forms.BooleanField(label="I agree", required=False)
    size = forms.IntegerField(
        required=False, help_text="In <units>", widget=forms.NumberInput({"class": "form-control-sm"})
    )


def test_every_form_renders_with_the_projects_renderer():
    assert isinstance(_Form().renderer, FormRenderer)


def test_a_field_with_an_error_shows_its_label_its_control_marked_invalid_and_the_error_it_names():
    form = _Form({"name": '"too long"', "kind": "<c>"})
    assert form["name"].as_field_group() == (
        '<label class="form-label ad-label" for="id_name">Name &lt;b&gt;</label>'
        '<input type="text" name="name" value="&quot;too long&quot;" maxlength="5" class="form-control is-invalid" required aria-invalid="true" aria-describedby="id_name_error" id="id_name">\n'
        '\n<div id="id_name_error"><div class="invalid-feedback d-block">Ensure this value has at most 5 characters (it has 10).</div></div>'
    )


def test_a_field_without_errors_is_its_label_and_its_control():
    assert _Form()["name"].as_field_group() == (
        '<label class="form-label ad-label" for="id_name">Name &lt;b&gt;</label>'
        '<input type="text" name="name" maxlength="5" class="form-control" required id="id_name">'
    )


def test_help_text_is_escaped_under_the_id_the_control_names_and_the_widgets_own_class_is_kept():
    shown = _Form({"name": "ok", "kind": "a", "size": "many"})["size"].as_field_group()
    assert shown == (
        '<label class="form-label ad-label" for="id_size">Size</label>'
        '<input type="number" name="size" value="many" class="form-control form-control-sm is-invalid" aria-invalid="true" aria-describedby="id_size_helptext id_size_error" id="id_size">\n'
        '<div class="form-text" id="id_size_helptext">In &lt;units&gt;</div>\n'
        '<div id="id_size_error"><div class="invalid-feedback d-block">Enter a whole number.</div></div>'
    )


def test_a_select_escapes_its_options_and_marks_the_chosen_one():
    assert str(_Form({"name": "ok", "kind": "<c>"})["kind"]) == (
        '<select name="kind" class="form-select" id="id_kind">'
        '<option value="a">A &amp; B</option><option value="&lt;c&gt;" selected>C</option></select>'
    )


def test_a_list_of_checkboxes_is_a_fieldset_of_form_checks_each_with_its_own_id():
    form = _Form({"name": "ok", "kind": "a", "tags": ["y"]})
    assert form["tags"].as_field_group() == (
        '<fieldset><legend class="form-label ad-label">Tags</legend><div id="id_tags" class="ad-checks">'
        '<div class="form-check"><input type="checkbox" name="tags" value="x" class="form-check-input" id="id_tags_0"><label class="form-check-label" for="id_tags_0">&lt;X&gt;</label></div>'
        '<div class="form-check"><input type="checkbox" name="tags" value="y" class="form-check-input" id="id_tags_1" checked><label class="form-check-label" for="id_tags_1">Y</label></div>'
        "</div>\n\n</fieldset>"
    )


def test_a_refused_list_of_checkboxes_is_outlined_and_names_its_error():
    shown = _Form({"name": "ok", "kind": "a", "tags": ["z"]})["tags"].as_field_group()
    assert shown.startswith(
        '<fieldset aria-describedby="id_tags_error"><legend class="form-label ad-label">Tags</legend><div id="id_tags" class="ad-checks is-invalid">'
    )
    assert shown.endswith(
        '<div id="id_tags_error"><div class="invalid-feedback d-block">Select a valid choice. z is not one of the available choices.</div></div></fieldset>'
    )


def test_a_single_checkbox_is_a_form_check_with_its_label_after_it():
    assert _Form()["agree"].as_field_group() == (
        '<div class="form-check"><input type="checkbox" name="agree" class="form-check-input" id="id_agree">'
        '<label class="form-check-label" for="id_agree">I agree</label></div>'
    )


def test_a_class_the_template_passes_wins():
    assert _Form()["size"].as_widget(attrs={"class": "form-range"}) == (
        '<input type="number" name="size" class="form-range" aria-describedby="id_size_helptext" id="id_size">'
    )


# --- Money, numbers, long dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("en", Decimal("1500"), "EUR", "€1,500.00"),
        ("en", Decimal("-1234567.89"), "USD", "-$1,234,567.89"),
        ("en", Decimal("0.5"), "CHF", "CHF\u00a00.50"),
        ("en", Decimal("1"), "MXN", "MX$1.00"),
        ("es", Decimal("1500"), "EUR", "1.500,00\u00a0€"),
        ("es", Decimal("0.5"), "CHF", "0,50\u00a0CHF"),
        ("ca", Decimal("-1234567.89"), "EUR", "-1.234.567,89\u00a0€"),
        ("ca", "15000.5", "EUR", "15.000,50\u00a0€"),
        ("es", None, "EUR", "—"),
    ],
)
def test_money_is_formatted_for_the_language_from_the_exact_decimal(language, amount, currency, shown):
    with translation.override(language):
        assert money(amount, currency) == shown


@pytest.mark.parametrize(
    ("language", "value", "places", "shown"),
    [
        ("en", Decimal("12500"), 0, "12,500"),
        ("es", Decimal("12500"), 0, "12.500"),
        ("es", 1500, 0, "1.500"),
        ("ca", Decimal("1234.56"), 1, "1.234,6"),
        ("en", Decimal("7"), 1, "7.0"),
        ("en", None, 0, "—"),
    ],
)
def test_numbers_are_grouped_in_the_readers_language_with_the_places_asked(language, value, places, shown):
    with translation.override(language):
        assert number(value, places) == shown


@pytest.mark.parametrize(
    ("language", "day", "shown"),
    [
        ("ca", date(2026, 12, 6), "diumenge, 6 de desembre de 2026"),
        ("ca", date(2026, 4, 6), "dilluns, 6 d’abril de 2026"),
        ("ca", date(2026, 8, 6), "dijous, 6 d’agost de 2026"),
        ("ca", date(2026, 10, 6), "dimarts, 6 d’octubre de 2026"),
        ("ca", date(2027, 1, 1), "divendres, 1 de gener de 2027"),
        ("es", date(2026, 12, 6), "domingo, 6 de diciembre de 2026"),
        ("es", date(2026, 4, 6), "lunes, 6 de abril de 2026"),
        ("en", date(2026, 12, 6), "Sunday 6 December 2026"),
    ],
)
def test_a_long_date_reads_as_a_sentence_in_the_readers_language(language, day, shown):
    with translation.override(language):
        assert long_date(day) == shown


def test_my_days_heading_starts_with_a_capital():
    with translation.override("ca"):
        assert (
            Template("{% load ui %}{{ day|long_date|capfirst }}").render(Context({"day": date(2026, 12, 6)}))
            == "Diumenge, 6 de desembre de 2026"
        )


# --- What people type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("en", "12,500.50", "12500.50"),
        ("en", "12500.5", "12500.5"),
        ("en", "-1,234,567.89", "-1234567.89"),
        ("es", "12.500,50", "12500.50"),
        ("es", "12500,50", "12500.50"),
        ("es", "12 500,50", "12500.50"),
        ("es", "12\u00a0500,50", "12500.50"),
        ("es", "1300.5", "1300.5"),  # a lone point is a decimal point, never 13005
        ("es", "1.300", "1300"),  # between groups of three, it groups
        ("ca", "12.500,50", "12500.50"),
        ("ca", "1300.50", "1300.50"),
        ("ca", "  7 ", "7"),
    ],
)
def test_an_amount_is_read_the_way_the_person_writes_numbers(language, typed, read):
    with translation.override(language):
        assert AmountField().clean(typed) == Decimal(read)


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "1,5"),
        ("en", "1.500,50"),
        ("es", "12,500.50"),
        ("es", "12.500.50"),
        ("es", "1 5"),
        ("ca", "mil"),
        ("ca", "1.50,5"),
    ],
)
def test_what_is_not_an_amount_in_the_persons_language_is_refused(language, typed):
    with translation.override(language), pytest.raises(forms.ValidationError) as refused:
        AmountField().clean(typed)
    assert refused.value.messages == [translation.gettext("Enter a number.")]


def test_an_amount_keeps_djangos_limits_on_digits_and_places():
    with translation.override("es"):
        with pytest.raises(forms.ValidationError) as refused:
            AmountField().clean("1,505")
        assert refused.value.messages == ["Asegúrese de que no haya más de 2 dígitos decimales."]
    with pytest.raises(forms.ValidationError):
        AmountField().clean("1000000000000")


def test_a_stored_amount_is_shown_in_the_field_as_the_reader_writes_it():
    field = forms.Form()
    field.fields["limit"] = AmountField(initial=Decimal("15000.00"))
    with translation.override("es"):
        assert str(field["limit"]) == (
            '<input type="text" name="limit" value="15.000,00" inputmode="decimal" class="form-control" required id="id_limit">'
        )


@pytest.mark.parametrize("language", ["en", "es", "ca"])
@given(
    amount=st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_an_amount_shown_to_a_person_reads_back_as_the_same_amount(language, amount):
    with translation.override(language):
        assert AmountField().clean(amount_text(amount)) == amount
        assert AmountField().clean(AmountField().prepare_value(amount)) == amount
