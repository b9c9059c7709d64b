"""Text for searching (accent-, case- and punctuation-insensitive, the same on every database),
and amounts as people write them."""

import functools
import re
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.utils import numberformat, translation
from django.utils.formats import get_format

_NON_WORD = re.compile(r"[^0-9a-z@.]+")


def search_normalize(*parts: str | None) -> str:
    """'Sants-Montjuïc' -> 'sants montjuic'. Stored beside the text and applied to queries."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.replace("·", "")).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in search_normalize(query).split(" ") if term][:6]


@functools.lru_cache(maxsize=64)
def _number_format_of(language: str) -> tuple[str, int, str]:
    """(decimal separator, grouping, thousands separator) of a language, as number_format
    reads them on every call (three format look-ups): they are fixed for the process."""
    return (
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        get_format("NUMBER_GROUPING", language, use_l10n=True),
        get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
    )


def amount_text(amount: Decimal, places: int = 2) -> str:
    """1500 -> '1,500.00' in English, '1.500,00' in Spanish and Catalan: the reader's
    language, grouped."""
    decimal_sep, grouping, thousand_sep = _number_format_of(translation.get_language() or settings.LANGUAGE_CODE)
    return numberformat.format(amount, decimal_sep, places, grouping, thousand_sep, force_grouping=True, use_l10n=True)


_SPACES = (" ", "\xa0", "\u202f")


def amount_typed(text: str) -> str:
    """What a person typed as an amount, with the grouping they may have typed taken out, for
    a localized DecimalField to read: "1,300.50" in English, "1.300,50" (as amount_text writes
    it) or "1 300,50" in Spanish and Catalan become "1300.50" and "1300,50".
    A separator counts as grouping only between groups of exactly three digits after one to
    three: "1300.5" in Spanish stays a decimal point, never 13005; "1.300" there is 1300, as
    a Spanish reader reads it."""
    text = text.strip()
    decimal_sep, _, thousand_sep = _number_format_of(translation.get_language() or settings.LANGUAGE_CODE)
    grouping = {thousand_sep, *_SPACES} | ({"."} if decimal_sep == "," else {","})
    for sep in grouping - {decimal_sep}:
        if re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+(?:{re.escape(decimal_sep)}\d*)?", text):
            return text.replace(sep, "")
    return text
