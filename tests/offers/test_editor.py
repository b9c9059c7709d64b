"""The offer editor: a line changed where it stands answers, for htmx, the lines with the totals,
the margin, the grade and the header beside them; a refusal answers the line with its message
and writes nothing."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offers import services
from offers.models import Offer, OfferLine
from tenancy.scope import tenant_scope
from tests.factories import post_unchanged, signed_in

HTMX = {"HTTP_HX_REQUEST": "true"}
SWAPPED = ["offer-head", "grade-panel", "offer-totals-card", "value-fit"]  # beside #lines


def _line_swapped(line: OfferLine) -> list[str]:
    """Beside the totals card, a changed line answers these (its row in a <template>)."""
    return [f"offer-line-{line.pk}", "lines-summary", "offer-head", "grade-panel", "value-fit"]


def _url(line: OfferLine, offer: Offer) -> str:
    return f"/o/{offer.organization.slug}/offers/{offer.pk}/lines/{line.pk}/"


def _change(line: OfferLine, quantity="10", unit_price="120.00", discount="", lead="") -> dict:
    prefix = f"line-{line.pk}-"
    return {
        f"{prefix}quantity": quantity,
        f"{prefix}unit_price": unit_price,
        f"{prefix}discount_percent": discount,
        f"{prefix}lead_time_days": lead,
    }


def _swapped(text: str) -> list[str]:
    return re.findall(r'(?<=\s)id="([\w-]+)"[^>]* hx-swap-oob="true"', text)


def test_a_line_changed_answers_the_lines_and_the_totals_margin_grade_and_header_beside_them(world):
    p = world.porta
    line = p.offer_lines[0]  # 10 sensor kits at 120.00, 20 % off: over the 15 % a line may have
    response = signed_in(p.ae).post(_url(line, p.offer), _change(line, discount="10"), **HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div class="card" id="offer-totals-card">')
    assert re.search(rf'<template>\s*<tr class="ad-line-edit" data-testid="offer-line" id="offer-line-{line.pk}"', text)
    assert _swapped(text) == _line_swapped(line)
    assert len(re.findall(r'data-testid="offer-line"', text)) == 1  # the other line is left alone
    assert re.search(r'data-testid="line-net">€1,080.00<', text)
    assert re.search(r'data-testid="offer-margin">€450.00 · 37.1 %<', text)  # (1,080 + 130) − (700 + 60)
    assert 'data-testid="offer-grade"' in text and "Grade A" in text
    assert "Discount 20 % on line 1" not in text
    with tenant_scope(p.org):
        line.refresh_from_db()
        offer = Offer.objects.get(pk=p.offer.pk)
    assert (line.discount_percent, line.net, line.lead_time_days) == (D("10.00"), D("1080.00"), 0)
    assert (offer.grade, offer.status) == ("A", "approved")


def test_the_page_shows_lines_as_text_and_the_pencil_opens_a_lines_fields(world):
    p = world.porta
    line = p.offer_lines[0]
    browser = signed_in(p.ae)
    page = browser.get(f"/o/porta/offers/{p.offer.pk}/").content.decode()
    assert len(re.findall(r'data-testid="edit-line"', page)) == 2
    assert f'name="line-{line.pk}-quantity"' not in page
    response = browser.get(_url(line, p.offer), **HTMX)
    text = response.content.decode().strip()
    assert response.status_code == 200
    assert text.startswith(f'<tr class="ad-line-edit" data-testid="offer-line" id="offer-line-{line.pk}"')
    assert text.endswith("</tr>") and text.count("<tr") == 1
    assert re.findall(rf'name="line-{line.pk}-(\w+)" value="([^"]*)"', text) == [
        ("quantity", "10"),
        ("unit_price", "120.00"),
        ("discount_percent", "20.00"),
    ]
    # without htmx: the page, with that line's fields open
    page = browser.get(_url(line, p.offer)).content.decode()
    assert f'name="line-{line.pk}-quantity"' in page and 'data-testid="offer-title"' in page


def test_without_htmx_a_changed_line_takes_the_person_back_to_the_lines(world):
    p = world.porta
    line = p.offer_lines[1]
    response = signed_in(p.ae).post(_url(line, p.offer), _change(line, quantity="3", unit_price="65.00", lead="7"))
    assert (response.status_code, response["Location"]) == (302, f"/o/porta/offers/{p.offer.pk}/#lines")
    with tenant_scope(p.org):
        line.refresh_from_db()
    assert (line.quantity, line.net, line.lead_time_days) == (D("3.000"), D("195.00"), 7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"discount": "120"}, "A discount is a percentage from 0 to 100."),
        ({"quantity": "-1"}, "The quantity must be more than zero."),
        ({"quantity": ""}, "This field is required."),
        ({"unit_price": "12,5.0"}, "Enter an amount, like 1500.00."),
    ],
)
def test_a_bad_change_comes_back_in_its_row_and_nothing_is_written(world, change, message):
    p = world.porta
    line = p.offer_lines[0]
    response, unchanged = post_unchanged(p.ae, _url(line, p.offer), _change(line, **change), **HTMX)
    text = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert _swapped(text) == _line_swapped(line)
    row = re.search(
        rf'<tr class="ad-line-edit" data-testid="offer-line" id="offer-line-{line.pk}".*?</tr>', text, re.S
    ).group(0)
    assert message in row and "is-invalid" in row


def test_a_line_of_an_offer_that_can_no_longer_change_is_refused_with_the_lines_as_they_are(world):
    p = world.porta
    with tenant_scope(p.org):
        line = OfferLine.objects.get(revision__offer=p.won_offer)
    response, unchanged = post_unchanged(p.ae, _url(line, p.won_offer), _change(line, quantity="1"), **HTMX)
    assert (response.status_code, unchanged) == (400, True)
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#lines", "outerHTML")
    assert response.content.decode().lstrip().startswith('<div class="card" id="lines">')
    assert "A won offer cannot change: open a new revision when the client answers." in response["HX-Trigger"]


def test_finance_may_read_an_offer_but_not_change_its_lines(world):
    p = world.porta
    line = p.offer_lines[0]
    response, unchanged = post_unchanged(p.finance, _url(line, p.offer), _change(line, discount="10"), **HTMX)
    assert (response.status_code, unchanged) == (403, True)


def test_another_organisations_line_is_not_found(world):
    p, n = world.porta, world.nordwind
    line = n.offer_lines[0]
    response, unchanged = post_unchanged(p.ae, f"/o/porta/offers/{p.offer.pk}/lines/{line.pk}/", _change(line), **HTMX)
    assert (response.status_code, unchanged) == (404, True)


def test_a_line_added_by_htmx_answers_the_lines_and_the_panels(world):
    p = world.porta
    response = signed_in(p.ae).post(
        f"/o/porta/offers/{p.offer.pk}/lines/", {"add-product": p.product2.pk, "add-quantity": "1"}, **HTMX
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'data-testid="offer-line"', text)) == 3
    assert _swapped(text) == SWAPPED


@pytest.mark.parametrize("count", [1, 50])
def test_a_line_change_takes_the_same_queries_with_1_and_with_50_lines(world, count):
    p = world.porta
    with tenant_scope(p.org):
        offer = services.offer_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            title="Many lines",
            lines=[{"product": p.product2, "quantity": D("1")} for _ in range(count)],
        )
        line = OfferLine.objects.filter(revision__offer=offer).order_by("position").first()
    browser = signed_in(p.ae)
    browser.get(f"/o/porta/offers/{offer.pk}/")
    with CaptureQueriesContext(connection) as queries:
        response = browser.post(_url(line, offer), _change(line, quantity="2", unit_price="65.00"), **HTMX)
    # grading reads the account's open orders too (offers.selectors_orders.open_orders_amounts: 1)
    assert (response.status_code, len(queries)) == (200, 45)
