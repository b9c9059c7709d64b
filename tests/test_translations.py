"""Every string of the product is translated into Spanish and Catalan, and compiled."""

from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of a .po file, header excluded."""
    entries, msgid, msgstr, fuzzy, field = [], None, None, False, None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if msgid:
                entries.append((msgid, msgstr, fuzzy))
            msgid, msgstr, fuzzy, field = None, None, False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, field = line[7:-1], "id"
        elif line.startswith("msgstr"):
            msgstr, field = line.split(" ", 1)[1][1:-1], "str"
        elif line.startswith('"'):
            if field == "id":
                msgid += line[1:-1]
            elif field == "str":
                msgstr += line[1:-1]
    return entries


@pytest.mark.parametrize("language", ["es", "ca"])
def test_every_string_is_translated_and_none_is_fuzzy(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    assert len(entries) > 150
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, "run `make messages`"


@pytest.mark.parametrize(("language", "expected"), [("es", "Personas"), ("ca", "Persones"), ("en", "People")])
def test_the_compiled_catalogue_is_used(language, expected):
    with translation.override(language):
        assert translation.gettext("People") == expected
