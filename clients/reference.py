"""Reference lists: the countries, currencies and languages the product offers, and tax ids.

Countries and currencies are ISO 3166-1 and ISO 4217 as pycountry ships them; a country's name
in the reader's language is CLDR's, through Babel. Nothing here is kept by hand."""

from __future__ import annotations

import functools

import pycountry
from babel import Locale
from babel.numbers import get_territory_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from stdnum import get_cc_module
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from tenancy.text import search_normalize

COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)


@functools.cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(to_locale(language)).territories)


def country_name(code: str, language: str | None = None) -> str:
    """'ES' -> 'Spain', 'España' or 'Espanya', in `language` or the current one."""
    return _territories(language or get_language() or settings.LANGUAGE_CODE).get(code, code)


@functools.cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    names = [(code, country_name(code, language)) for code in COUNTRY_CODES]
    return sorted(names, key=lambda choice: search_normalize(choice[1]))


def country_choices() -> list[tuple[str, str]]:
    """Every country, as (code, name), in the order of the names in the current language.
    A callable, so that a model's migrations do not hold a list that follows pycountry."""
    return _country_choices(get_language() or settings.LANGUAGE_CODE)


# The same as a list for what must iterate its choices when it is built (a FilterSet and the
# OpenAPI document): each iteration reads the current language.
COUNTRY_CHOICES = lazy(country_choices, list)()

# ISO 4217 codes in use: those some country takes as legal tender today (CLDR, through Babel).
# pycountry's list also has funds, metals and test codes nobody invoices in (XAU, XTS, CLF…).
CURRENCY_CODES = sorted(
    {currency.alpha_3 for currency in pycountry.currencies}
    & {code for country in COUNTRY_CODES for code in get_territory_currencies(country, tender=True)}
)
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_CODES]

CONTACT_LANGUAGE_CHOICES = [
    ("ca", _("Catalan")),
    ("de", _("German")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
]

_EU_VAT_PREFIXES = {code.upper(): ("EL" if code == "gr" else code.upper()) for code in eu_vat.MEMBER_STATES}


def normalize_tax_id(country: str, value: str) -> str:
    """The tax id in its compact, validated form, or a ValidationError with a message for people.

    Spain: NIF (DNI, NIE or CIF), with or without the ES prefix. Other EU countries: the
    VAT number with its country prefix. Elsewhere: the country's VAT rules where known,
    else letters and digits only.
    """
    raw = value.strip().upper()
    try:
        if country == "ES":
            return es_nif.validate(raw.removeprefix("ES"))
        if country in _EU_VAT_PREFIXES:
            prefix = _EU_VAT_PREFIXES[country]
            return eu_vat.validate(raw if raw.startswith(prefix) else prefix + raw)
        module = get_cc_module(country.lower(), "vat") if country else None
        if module is not None:
            return module.validate(raw)
    except StdnumError:
        if country == "ES":
            raise ValidationError(_("This is not a valid Spanish NIF or CIF."), code="invalid_tax_id") from None
        raise ValidationError(
            _("This is not a valid VAT number for the chosen country."), code="invalid_tax_id"
        ) from None
    compact = "".join(ch for ch in raw if ch.isalnum())
    if not 4 <= len(compact) <= 20:
        raise ValidationError(_("A tax id has between 4 and 20 letters and digits."), code="invalid_tax_id")
    return compact
