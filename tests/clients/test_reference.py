"""Countries and currencies come from pycountry, their names in the reader's language from
Babel; tax ids are checked by the rules of their country."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from clients.reference import (
    COUNTRY_CHOICES,
    COUNTRY_CODES,
    CURRENCY_CHOICES,
    CURRENCY_CODES,
    country_choices,
    country_name,
    normalize_tax_id,
)


def test_every_iso_country_is_offered():
    assert (len(COUNTRY_CODES), COUNTRY_CODES[:3], "ES" in COUNTRY_CODES) == (249, ["AD", "AE", "AF"], True)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Spain", "United Kingdom", "Czechia"]),
        ("es", ["España", "Reino Unido", "Chequia"]),
        ("ca", ["Espanya", "Regne Unit", "Txèquia"]),
    ],
)
def test_a_countrys_name_is_in_the_readers_language(language, names):
    with translation.override(language):
        assert [country_name(code) for code in ("ES", "GB", "CZ")] == names
        assert [dict(COUNTRY_CHOICES)[code] for code in ("ES", "GB", "CZ")] == names


def test_the_countries_are_offered_in_the_order_of_their_names_in_the_readers_language():
    with translation.override("ca"):
        catalan = [name for _code, name in country_choices()]
    with translation.override("en"):
        english = [name for _code, name in country_choices()]
    assert catalan[:3] == ["Afganistan", "Albània", "Alemanya"]
    assert english[:3] == ["Afghanistan", "Åland Islands", "Albania"]


def test_the_currencies_are_those_in_use_without_funds_metals_or_test_codes():
    assert {"EUR", "USD", "GBP", "JPY", "CHF", "MXN", "XOF"} <= set(CURRENCY_CODES)
    assert {"XAU", "XTS", "XXX", "CLF", "USN", "BOV"}.isdisjoint(CURRENCY_CODES)
    assert CURRENCY_CODES == sorted(CURRENCY_CODES)
    assert CURRENCY_CHOICES[:2] == [("AED", "AED"), ("AFN", "AFN")]


@pytest.mark.parametrize(
    ("country", "entered", "stored"),
    [("ES", "es 12345678-z", "12345678Z"), ("GR", "094259216", "EL094259216"), ("GB", "GB 980 7806 84", "980780684")],
)
def test_a_tax_id_is_stored_compact_by_its_countrys_rules(country, entered, stored):
    assert normalize_tax_id(country, entered) == stored


def test_a_tax_id_that_breaks_its_countrys_rules_is_refused_with_a_message_for_people():
    with pytest.raises(ValidationError) as error:
        normalize_tax_id("GB", "GB 980 7806 85")
    assert (error.value.messages, error.value.code) == (
        ["This is not a valid VAT number for the chosen country."],
        "invalid_tax_id",
    )
