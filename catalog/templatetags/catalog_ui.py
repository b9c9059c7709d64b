"""The catalogue's template filters."""

from django import template

from catalog.selectors import day_text

register = template.Library()


@register.filter
def sentence_date(value):
    """A day as a sentence says it: "3 March 2026", "3 de marzo de 2026", "3 de març de 2026"
    (Babel knows Catalan's "d’abril"; Django's |date does not)."""
    return day_text(value) if value else ""
