"""Text for searching (accent-, case- and punctuation-insensitive, the same on every database),
choices' labels for many rows, and amounts as people read and write them in their language
(Babel)."""

import functools
import re
import unicodedata
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_currency, format_decimal, get_currency_symbol, parse_decimal
from django.conf import settings
from django.utils import translation


def choice_labels(choices) -> dict[str, str]:
    """{stored value: label} of a model's choices (a TextChoices class) in the current language,
    each label translated once, for a list or an export that shows a choice on many rows:
    a model's get_FOO_display translates every choice of the field on each call."""
    return {value: str(label) for value, label in choices.choices}


_NON_WORD = re.compile(r"[^0-9a-z@.]+")


def search_normalize(*parts: str | None) -> str:
    """'Sants-Montjuïc' -> 'sants montjuic'. Stored beside the text and applied to queries."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.replace("·", "")).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in search_normalize(query).split(" ") if term][:6]


@functools.lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(translation.to_locale(language))


def reader_locale() -> Locale:
    """The reader's language as Babel's locale: its numbers, currency symbols and month names."""
    return _locale(translation.get_language() or settings.LANGUAGE_CODE)


def _places_pattern(places: int) -> str:
    return "#,##0." + "0" * places if places else "#,##0"


def amount_text(amount: Decimal | int | float, places: int = 2) -> str:
    """1500 -> '1,500.00' in English, '1.500,00' in Spanish and Catalan: the reader's
    language, grouped, with exactly `places` decimals (Babel's, from CLDR)."""
    return format_decimal(amount, format=_places_pattern(places), locale=reader_locale())


def money_text(amount: Decimal, currency: str) -> str:
    """1500 EUR -> '€1,500.00' in English, '1.500,00 €' in Spanish and Catalan: Babel's
    format_currency in the reader's language, and CLDR's currency spacing, which Babel does not
    apply: a symbol that ends in a letter is kept a no-break space from the digits
    ("CHF 0.50", but "$0.50", "MX$1.00")."""
    locale = reader_locale()
    text = format_currency(amount, currency, locale=locale)
    symbol = get_currency_symbol(currency, locale)
    at = text.find(symbol)
    if at == -1:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and not unicodedata.category(symbol[-1]).startswith("S"):
        return f"{text[:end]}\u00a0{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and not unicodedata.category(symbol[0]).startswith("S"):
        return f"{text[:at]}\u00a0{text[at:]}"
    return text


_SPACES = re.compile(r"[ \u00a0\u202f]")


def amount_parse(text: str) -> Decimal:
    """What a person typed as an amount, read in their language by Babel: "1,300.50" in
    English, "1.300,50", "1 300,50" or "1300,50" in Spanish and Catalan. Spaces count as
    grouping. Grouping must sit between groups of three digits; where the decimal sign is a
    comma, a lone point that is not grouping is a decimal point: "1300.5" in Spanish is
    1300.5, never 13005 ("1.300" there is 1300, as a Spanish reader reads it).
    Raises NumberFormatError when it is not a number."""
    locale = reader_locale()
    symbols = locale.number_symbols["latn"]
    typed = text.strip()
    try:
        return parse_decimal(_SPACES.sub(symbols["group"], typed), locale=locale, strict=True)
    except NumberFormatError:
        if symbols["decimal"] == "," and typed.count(".") == 1 and not re.search(r"[,\s\u202f]", typed):
            return parse_decimal(typed.replace(".", ","), locale=locale, strict=True)
        raise
