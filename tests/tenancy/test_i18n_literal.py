"""Our templates load tenancy/templatetags/i18n_literal.py instead of Django's i18n: its literal
{% translate %} must give exactly what Django's own tag gives, and every other use must be
Django's node."""

import re
from pathlib import Path

import pytest
from django.template import Context, Engine, engines
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from tenancy.templatetags.i18n_literal import LiteralTranslateNode

SOURCES = [
    '{% translate "Portfolio" %}',
    "{% translate 'Owner' %}·{% trans \"Anyone\" %}",
    '{% translate "Reassign" as label %}[{{ label }}]{{ label|upper }}',
    '{% translate "100% <b>sure</b> & \\"quoted\\" it\'s" %}',
    '{% translate "50%% off" %}',
    '{% translate "Owner" noop %}',
    '{% translate "May" context "month name" %}',
    "{% translate word %}|{% translate word as w %}{{ w }}",
    '{% translate "portfolio"|capfirst %}',
    '{% autoescape off %}{% translate "a <i>b</i>" %}{% endautoescape %}',
]


def _engine(i18n_module: str) -> Engine:
    return Engine(libraries={"i18n": i18n_module})


@pytest.mark.parametrize("language", ["en", "es", "ca"])
@pytest.mark.parametrize("source", SOURCES)
def test_a_translate_tag_renders_what_djangos_renders(source, language):
    # given
    ours, djangos = _engine("tenancy.templatetags.i18n_literal"), _engine("django.templatetags.i18n")
    context = {"word": "<Portfolio>"}
    # when
    with translation.override(language):
        rendered = ours.from_string("{% load i18n %}" + source).render(Context(context))
        expected = djangos.from_string("{% load i18n %}" + source).render(Context(context))
    # then
    assert rendered == expected


def test_the_literal_translation_is_in_the_language_of_the_moment():
    # given: one compiled template, rendered in turn in each language
    template = engines["django"].from_string(
        '{% load i18n_literal %}{% translate "Portfolio" %} {% translate "Reassign" as r %}{{ r }}'
    )
    # when
    rendered = []
    for language in ("en", "es", "ca", "en"):
        with translation.override(language):
            rendered.append(template.render({}))
    # then
    assert rendered == ["Portfolio Reassign", "Cartera Reasignar", "Cartera Reassigna", "Portfolio Reassign"]


def test_the_literal_node_is_only_for_a_bare_literal():
    # given
    template = engines["django"].from_string(
        '{% load i18n_literal %}{% translate "Owner" %}{% translate "Owner" as o %}{% translate "Owner" noop %}{% translate word %}{% translate "May" context "month" %}'
    )
    # when
    nodes = [type(node) for node in template.template.nodelist if isinstance(node, TranslateNode)]
    # then
    assert nodes == [LiteralTranslateNode, LiteralTranslateNode, TranslateNode, TranslateNode, TranslateNode]


def test_every_template_of_ours_that_translates_loads_i18n_literal_and_none_loads_djangos_i18n():
    root = Path(__file__).resolve().parents[2] / "templates"
    templates = {p: p.read_text() for p in root.rglob("*") if p.suffix in (".html", ".txt")}
    libraries = {
        p: {name for load in re.findall(r"{% load ([^%]*)%}", text) for name in load.split()}
        for p, text in templates.items()
    }
    translating = [
        p
        for p, text in templates.items()
        if re.search(r"{% (translate|trans|blocktranslate|blocktrans|get_current_language)\b", text)
    ]
    assert [p.name for p in templates if "i18n" in libraries[p]] == []
    assert [p.name for p in translating if "i18n_literal" not in libraries[p]] == []
    assert {root / "base.html", root / "accounts/portfolio.html", root / "tenancy/email/welcome_body.txt"} <= set(
        translating
    )
