"""The risk policy's API: the version in force and every version for everyone, a new version by
finance (201), 403 for the other roles and 400 for bad input in the one error shape, both
writing nothing, 404 for another organisation's token; the versions list's fixed queries."""

import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from billing.services_risk import risk_policy_update
from tenancy import services
from tenancy.models import TokenScope
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot

D = Decimal
POLICY = "/api/v1/o/porta/billing/risk-policy/"
VERSIONS = "/api/v1/o/porta/billing/risk-policy/versions/"
LIST_QUERIES = 8


def _token(world, role: str, scope: str = TokenScope.READ_WRITE) -> str:
    o = world.porta
    with transaction.atomic(), tenant_scope(o.org):
        _token, secret = services.api_token_create(
            organization=o.org, membership=getattr(o, role), name=f"{role} token", scope=scope
        )
    return secret


def _get(secret: str, url: str):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(secret: str, body, raw: str | None = None):
    return Client().post(
        POLICY,
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def _version_1(world) -> dict:
    p = world.porta
    return {
        "id": p.risk_policy.pk,
        "version": 1,
        "max_exposure_percent": "100.00",
        "overdue_tolerance_amount": "2000.00",
        "overdue_tolerance_currency": "EUR",
        "overdue_tolerance_days": 60,
        "min_margin_percent": "15.00",
        "max_line_discount_percent": "15.00",
        "max_discount_percent": "10.00",
        "max_payment_terms_days": 60,
        "note": "",
        "created_by": None,
    }


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "finance"])
def test_everyone_reads_the_policy_in_force_and_its_versions(world, role):
    secret = _token(world, role, TokenScope.READ)
    current = _get(secret, POLICY)
    versions = _get(secret, VERSIONS)
    assert (current.status_code, versions.status_code) == (200, 200)
    body = current.json()
    assert body.pop("created_at").startswith(world.porta.risk_policy.created_at.date().isoformat())
    assert body == _version_1(world)
    assert [v["version"] for v in versions.json()["results"]] == [1]


def test_finance_saves_a_new_version(world, in_scope):
    # given
    p = world.porta
    secret = _token(world, "finance")
    # when
    response = _post(secret, {"max_discount_percent": "12.50", "overdue_tolerance_days": 45, "note": "Q4."})
    # then
    body = response.json()
    assert response.status_code == 201
    assert {k: v for k, v in body.items() if k not in ("id", "created_at")} == {
        "version": 2,
        "max_exposure_percent": "100.00",
        "overdue_tolerance_amount": "2000.00",
        "overdue_tolerance_currency": "EUR",
        "overdue_tolerance_days": 45,
        "min_margin_percent": "15.00",
        "max_line_discount_percent": "15.00",
        "max_discount_percent": "12.50",
        "max_payment_terms_days": 60,
        "note": "Q4.",
        "created_by": {"id": p.finance.pk, "full_name": "Finance Porta"},
    }
    assert _get(secret, POLICY).json()["id"] == body["id"]
    assert [v["version"] for v in _get(secret, VERSIONS).json()["results"]] == [2, 1]


@pytest.mark.parametrize("role", ["admin", "lead", "ae"])
def test_the_others_get_403_and_nothing_changes(world, role):
    secret = _token(world, role)
    before = snapshot()
    response = _post(secret, {"max_discount_percent": "12.50"})
    assert (response.status_code, response.json(), snapshot() == before) == (
        403,
        {"error": {"code": "permission_denied", "message": "Only finance changes the risk policy.", "fields": {}}},
        True,
    )


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        (
            {"max_discount_percent": "100.01"},
            "A percentage from 0 to 100.",
            {"max_discount_percent": "A percentage from 0 to 100."},
        ),
        (
            {"max_payment_terms_days": 366},
            "A number of days from 0 to 365.",
            {"max_payment_terms_days": "A number of days from 0 to 365."},
        ),
        (
            {"overdue_tolerance_amount": "-5.00"},
            "It cannot be negative.",
            {"overdue_tolerance_amount": "It cannot be negative."},
        ),
        (
            {"max_discount_percent": "ten"},
            "Invalid input: A valid number is required.",
            {"max_discount_percent": "A valid number is required."},
        ),
        ({"planet": "Mars"}, "Invalid input: Unknown field.", {"planet": "Unknown field."}),
        (
            {"max_discount_percent": "10.00"},
            "This is the policy in force already: change a rule to save a new version.",
            {},
        ),
    ],
)
def test_bad_input_is_a_400_in_the_one_shape_and_changes_nothing(world, body, message, fields):
    secret = _token(world, "finance")
    before = snapshot()
    response = _post(secret, body)
    assert (response.status_code, response.json()["error"]["message"], response.json()["error"]["fields"]) == (
        400,
        message,
        fields,
    )
    assert snapshot() == before


def test_a_read_only_token_may_not_save(world):
    secret = _token(world, "finance", TokenScope.READ)
    before = snapshot()
    response = _post(secret, {"max_discount_percent": "12.50"})
    assert (response.status_code, snapshot() == before) == (403, True)


def test_another_organisations_token_gets_404(world):
    secret = world.nordwind.token_secret
    before = snapshot()
    for response in (_get(secret, POLICY), _get(secret, VERSIONS), _post(secret, {"max_discount_percent": "11"})):
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert snapshot() == before


def test_the_versions_list_filters_and_takes_the_same_queries_with_1_and_50_rows(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    secret = _token(world, "ae")
    with django_assert_num_queries(LIST_QUERIES):
        assert len(_get(secret, VERSIONS).json()["results"]) == 1
    with in_scope(p.org):
        for n in range(49):
            risk_policy_update(organization=p.org, actor=p.finance, max_payment_terms_days=n + 1)
    with django_assert_num_queries(LIST_QUERIES):
        results = _get(secret, VERSIONS).json()["results"]
    assert [r["version"] for r in results] == list(range(50, 0, -1))
    by_finance = _get(secret, f"{VERSIONS}?saved_by={p.finance.pk}").json()["results"]
    assert len(by_finance) == 49
    bad = _get(secret, f"{VERSIONS}?saved_from=yesterday")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (400, {"saved_from": "Enter a valid date."})
