"""The aging and the DSO in the API: the receivables page's parameters and visibility, money as
strings, a parameter with an invalid value a 400 naming it, and another organisation's token 404."""

import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from tenancy import services
from tenancy.models import TokenScope
from tenancy.scope import tenant_scope
from tests.billing import receivables_example
from tests.tenancy.isolation import snapshot

D = Decimal
AGING = "/api/v1/o/porta/billing/aging/"
DSO = "/api/v1/o/porta/billing/dso/"


@pytest.fixture
def example(world):
    return receivables_example.build(world)


def _token(world, role: str, scope: str = TokenScope.READ_WRITE) -> str:
    o = world.porta
    with transaction.atomic(), tenant_scope(o.org):
        _token, secret = services.api_token_create(
            organization=o.org, membership=getattr(o, role), name=f"{role} token", scope=scope
        )
    return secret


def _call(secret: str, url: str):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def _get(world, role: str, url: str, scope: str = TokenScope.READ_WRITE):
    return _call(_token(world, role, scope), url)


def _amounts(*buckets: str, credit: str = "0.00") -> dict:
    current, d30, d60, d90, d120, over = (D(b) for b in buckets)
    outstanding = current + d30 + d60 + d90 + d120 + over
    return {
        "current": f"{current:.2f}",
        "days_1_30": f"{d30:.2f}",
        "days_31_60": f"{d60:.2f}",
        "days_61_90": f"{d90:.2f}",
        "days_91_120": f"{d120:.2f}",
        "over_120": f"{over:.2f}",
        "outstanding": f"{outstanding:.2f}",
        "overdue": f"{outstanding - current:.2f}",
        "credit": credit,
        "balance": f"{outstanding - D(credit):.2f}",
    }


AE = _amounts("290.40", "480.80", "726.00", "580.80", "530.80", "290.40", credit="75.00")
DOLLARS = _amounts("314.60", "0", "0", "0", "0", "0")
DOLLARS_IN_EUR = _amounts("283.14", "0", "0", "0", "0", "0")


def test_the_aging_by_team_as_finance_reads_it(world, example):
    p = world.porta
    response = _get(world, "finance", f"{AGING}?as_of=2025-06-30&group=team")
    assert response.status_code == 200
    assert response.json() == {
        "as_of": "2025-06-30",
        "group": "team",
        "base_currency": "EUR",
        "rows": [
            {"id": p.team.pk, "name": "Team Porta Digital", "currency": "EUR", "client": "", "owner": "", "team": ""}
            | AE
            | {"in_base_currency": AE},
            {"id": None, "name": "No team", "currency": "USD", "client": "", "owner": "", "team": ""}
            | DOLLARS
            | {"in_base_currency": DOLLARS_IN_EUR},
        ],
        "totals": [
            {"currency": "EUR"} | AE | {"in_base_currency": AE},
            {"currency": "USD"} | DOLLARS | {"in_base_currency": DOLLARS_IN_EUR},
        ],
        "total_in_base_currency": _amounts("573.54", "480.80", "726.00", "580.80", "530.80", "290.40", credit="75.00"),
    }


def test_an_account_executive_reads_only_their_accounts_with_a_read_only_token(world, example):
    p = world.porta
    response = _get(world, "ae", f"{AGING}?as_of=2025-06-30&sort=name", scope=TokenScope.READ)
    rows = response.json()["rows"]
    assert [(r["id"], r["name"], r["owner"], r["team"], r["outstanding"]) for r in rows] == [
        (p.account.pk, "Porta Account", "Ae Porta", "Team Porta Digital", "2608.80"),
        (example.third.pk, "Third account", "Ae Porta", "Team Porta Digital", "290.40"),
    ]
    assert [t["currency"] for t in response.json()["totals"]] == ["EUR"]


def test_the_aging_filters_as_the_page_does(world, example):
    p = world.porta
    response = _get(world, "finance", f"{AGING}?as_of=2025-06-30&owner={p.ae2.pk}&currency=USD&overdue=false")
    assert [(r["name"], r["current"]) for r in response.json()["rows"]] == [("Second account", "314.60")]


def test_the_dso_of_a_period(world, example):
    p = world.porta
    response = _get(world, "finance", f"{DSO}?dso_from=2025-01-01&dso_to=2025-06-30&sales_team={p.team.pk}")
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-06-30",
        "days": 181,
        "currency": "EUR",
        "dso": "172.1",
    }


def test_the_dso_by_default_is_of_the_90_days_to_as_of_and_null_without_sales(world, example):
    response = _get(world, "finance", f"{DSO}?as_of=2024-12-31")
    assert response.json() == {"start": "2024-10-03", "end": "2024-12-31", "days": 90, "currency": "EUR", "dso": None}


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (f"{AGING}?group=planet", {"group": "Select a valid choice. planet is not one of the available choices."}),
        (f"{AGING}?as_of=2025-06-31", {"as_of": "Enter a valid date."}),
        (f"{AGING}?as_of=1899-12-31", {"as_of": "Enter a date from 1900 to 2100."}),
        (f"{AGING}?currency=XYZ", {"currency": "Select a valid choice. XYZ is not one of the available choices."}),
        (f"{AGING}?sort=planet", {"sort": "Select a valid choice. planet is not one of the available choices."}),
        (f"{DSO}?dso_from=2025-06-30&dso_to=2025-01-01", {"dso_to": "The period cannot end before it starts."}),
        (f"{DSO}?owner=999999", {"owner": "Select a valid choice. That choice is not one of the available choices."}),
    ],
)
def test_a_parameter_with_an_invalid_value_is_a_400_naming_it_and_changes_nothing(world, url, fields):
    secret = _token(world, "finance")
    before = snapshot()
    response = _call(secret, url)
    assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["fields"]) == (
        400,
        "invalid",
        fields,
    )
    assert snapshot() == before


def test_another_organisations_token_gets_404(world, example):
    secret = world.nordwind.token_secret
    for url in (AGING, DSO):
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert (response.status_code, json.loads(response.content)["error"]["code"]) == (404, "not_found")


def test_the_schema_documents_the_parameters_and_the_shapes():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    aging = schema["paths"]["/api/v1/o/{org_slug}/billing/aging/"]["get"]
    dso = schema["paths"]["/api/v1/o/{org_slug}/billing/dso/"]["get"]
    assert sorted(p["name"] for p in aging["parameters"]) == [
        "as_of",
        "currency",
        "group",
        "org_slug",
        "overdue",
        "owner",
        "sales_team",
        "sort",
    ]
    assert sorted(p["name"] for p in dso["parameters"]) == [
        "as_of",
        "currency",
        "dso_from",
        "dso_to",
        "org_slug",
        "owner",
        "sales_team",
    ]
    assert schema["components"]["schemas"]["AgingGroupEnum"]["enum"] == ["account", "owner", "team"]
    # its own components: the statements' aging is another shape
    responses = {
        op["operationId"]: op["responses"]["200"]["content"]["application/json"]["schema"] for op in (aging, dso)
    }
    assert responses == {
        "billing_aging": {"$ref": "#/components/schemas/ReceivablesAgingOutput"},
        "billing_dso": {"$ref": "#/components/schemas/ReceivablesDsoOutput"},
    }
