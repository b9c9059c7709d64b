"""Reference lists: countries, currencies and languages the product offers, and tax ids."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from stdnum import get_cc_module
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

EU_COUNTRIES = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}

COUNTRY_CHOICES = [
    ("AD", _("Andorra")),
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("CH", _("Switzerland")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DE", _("Germany")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("ES", _("Spain")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("GB", _("United Kingdom")),
    ("GR", _("Greece")),
    ("HR", _("Croatia")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("LV", _("Latvia")),
    ("MA", _("Morocco")),
    ("MT", _("Malta")),
    ("MX", _("Mexico")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SE", _("Sweden")),
    ("SI", _("Slovenia")),
    ("SK", _("Slovakia")),
    ("US", _("United States")),
]

# ISO 4217 codes in current use.
CURRENCY_CODES = sorted(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
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


class TaxIdError(ValueError):
    pass


def normalize_tax_id(country: str, value: str) -> str:
    """The tax id in its compact, validated form, or TaxIdError with a message for people.

    Spain: NIF (DNI, NIE or CIF), with or without the ES prefix. Other EU countries: the
    VAT number with its country prefix. Elsewhere: the country's VAT rules where known,
    else letters and digits only.
    """
    raw = (value or "").strip().upper()
    if not raw:
        raise TaxIdError(_("Enter the tax id."))
    try:
        if country == "ES":
            number = raw[2:] if raw.startswith("ES") else raw
            return es_nif.validate(number)
        if country in EU_COUNTRIES:
            prefixed = (
                raw
                if raw.startswith("EL" if country == "GR" else country)
                else ("EL" if country == "GR" else country) + raw
            )
            return eu_vat.validate(prefixed)
        module = get_cc_module(country.lower(), "vat") if country else None
        if module is not None:
            return module.validate(raw)
    except StdnumError:
        if country == "ES":
            raise TaxIdError(_("This is not a valid Spanish NIF or CIF."))
        raise TaxIdError(_("This is not a valid VAT number for the chosen country."))
    compact = "".join(ch for ch in raw if ch.isalnum())
    if not 4 <= len(compact) <= 20:
        raise TaxIdError(_("A tax id has between 4 and 20 letters and digits."))
    return compact
