"""The offers API: the pipeline, an offer with its reasons, drafting, and the lifecycle as
operations in the one error shape."""

from __future__ import annotations

import pytest
from django.utils import timezone

from offers.models import Offer
from tenancy.scope import tenant_scope
from tests.factories import add_member, send_json, signed_in
from tests.tenancy.isolation import snapshot

API = "/api/v1/o/porta/offers"


def _signed_in(membership):
    browser = signed_in(membership)
    browser.get("/api/v1/o/porta/me/")
    return browser


def _refused(membership, method: str, url: str, body=None):
    browser = _signed_in(membership)
    before = snapshot()
    response = send_json(browser, method, url, body)
    return response.status_code, response.json(), snapshot() == before


def test_the_pipeline_lists_the_offers_one_sees(world):
    p = world.porta
    body = _signed_in(p.ae).get(f"{API}/").json()
    assert [(o["id"], o["number"], o["status"], o["grade"], o["net_total"]) for o in body["results"]] == [
        (p.won_offer.pk, p.won_offer.number, "won", "A", "130.00"),
        (p.offer.pk, p.offer.number, "approved", "B", "1090.00"),
    ]


def test_an_offer_says_its_reasons_in_the_readers_language(world):
    p = world.porta
    p.ae.user.language = "es"
    p.ae.user.save(update_fields=["language"])
    body = _signed_in(p.ae).get(f"{API}/{p.offer.pk}/").json()
    assert [(r["kind"], r["rule"], r["text"]) for r in body["reasons"]] == [
        ("commercial", "line_discount", "Descuento del 20 % en la línea 1; la política permite el 15 %."),
        ("commercial", "discount", "Descuento total del 18,1 %; la política permite el 10 %."),
    ]
    assert [(line["position"], line["net"]) for line in body["lines"]] == [(1, "960.00"), (2, "130.00")]
    assert [(a["kind"], a["decision"], a["grade"]) for a in body["approvals"]] == [("commercial", "approved", "B")]


def test_an_ae_drafts_submits_and_the_lead_approves_through_the_api(world):
    p = world.porta
    ae = _signed_in(p.ae)
    response = send_json(
        ae,
        "post",
        f"{API}/",
        {
            "account": p.account.pk,
            "title": "Gateways",
            "lines": [{"product": p.product.pk, "quantity": "3", "discount_percent": "20"}],
        },
    )
    assert (response.status_code, response.json()["grade"], response.json()["number"]) == (
        201,
        "B",
        f"O{timezone.localdate().year}-000003",
    )
    offer_id = response.json()["id"]
    assert send_json(ae, "post", f"{API}/{offer_id}/submit/").json()["status"] == "submitted"
    # the ae may not send it yet, nor approve it
    assert _refused(p.ae, "post", f"{API}/{offer_id}/send/", {})[:2] == (
        409,
        {
            "error": {
                "code": "offer_state",
                "message": "This offer waits for approval: it cannot be sent yet.",
                "fields": {},
            }
        },
    )
    decide = {"kind": "commercial", "decision": "approved", "grade_seen": "B"}
    status, body, unchanged = _refused(p.ae, "post", f"{API}/{offer_id}/decide/", decide)
    assert (status, body["error"]["message"], unchanged) == (403, "Nobody approves their own offer.", True)
    response = send_json(_signed_in(p.lead), "post", f"{API}/{offer_id}/decide/", decide)
    assert (response.status_code, response.json()["status"]) == (200, "approved")


def test_bad_input_and_another_organisations_ids_are_refused_and_nothing_is_written(world):
    p, n = world.porta, world.nordwind
    status, body, unchanged = _refused(
        p.ae,
        "post",
        f"{API}/",
        {"account": p.account.pk, "title": "X", "lines": [{"product": n.product.pk, "quantity": "1"}]},
    )
    assert (status, body["error"]["fields"], unchanged) == (
        400,
        {"lines.0.product": "Choose a product of this organisation."},
        True,
    )
    status, body, unchanged = _refused(p.ae, "post", f"{API}/", {"account": n.account.pk, "title": "X"})
    assert (status, body["error"]["fields"], unchanged) == (
        400,
        {"account": "Choose an account of this organisation."},
        True,
    )
    assert _refused(p.ae, "get", f"{API}/{n.offer.pk}/")[0] == 404
    with tenant_scope(p.org):
        assert Offer.objects.count() == 2


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"currency": "USD"}, "currency", "An offer is in its account's currency, EUR."),
        ({"valid_until": "2020-01-01"}, "valid_until", "An offer is valid until today or later."),
        ({"technical_contact": "other"}, "technical_contact", "Choose a person of this organisation."),
        ({"technical_contact": "elsewhere"}, "technical_contact", "Choose someone who works on this account."),
        (
            {"lines": [{"description": "Visit", "quantity": "-1", "unit_price": "10"}]},
            "lines.0.quantity",
            "The quantity must be more than zero.",
        ),
        (
            {"lines": [{"description": "Visit", "quantity": "1", "unit_price": "10", "discount_percent": "101"}]},
            "lines.0.discount_percent",
            "A discount is a percentage from 0 to 100.",
        ),
    ],
)
def test_a_bad_offer_is_refused_under_its_field_and_nothing_is_written(world, given, field, message):
    p, n = world.porta, world.nordwind
    if given.get("technical_contact") == "other":
        given = {"technical_contact": n.ae.pk}  # another organisation's
    elif given.get("technical_contact") == "elsewhere":
        given = {"technical_contact": add_member(p.org, "ae3", ["account_executive"]).pk}  # not on the account
    body = {"account": p.account.pk, "title": "X"} | given
    status, answer, unchanged = _refused(p.ae, "post", f"{API}/", body)
    assert (status, answer["error"]["fields"], unchanged) == (400, {field: message}, True)


def test_an_offer_names_its_technical_colleague_in_the_accounts_currency(world):
    p = world.porta
    browser = _signed_in(p.ae)
    response = send_json(
        browser,
        "post",
        f"{API}/",
        {"account": p.account.pk, "title": "X", "currency": "EUR", "technical_contact": p.ae.pk},
    )
    assert response.status_code == 201
    with tenant_scope(p.org):
        offer = Offer.objects.get(pk=response.json()["id"])
    assert (offer.currency, offer.technical_contact_id) == ("EUR", p.ae.pk)
