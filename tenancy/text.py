"""Text for searching: accent-, case- and punctuation-insensitive, the same on every database."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z@.]+")


def search_normalize(*parts: str | None) -> str:
    """'Sants-Montjuïc' -> 'sants montjuic'. Stored beside the text and applied to queries."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.replace("·", "")).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in search_normalize(query).split(" ") if term][:6]
