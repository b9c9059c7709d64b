import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tenancy import services
from tenancy.models import ApiToken, TokenScope
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
FORBIDDEN = {"error": {"code": "permission_denied", "message": "Your role does not allow this.", "fields": {}}}


def _token(org_world, role: str) -> str:
    with transaction.atomic(), tenant_scope(org_world.org):
        _token, secret = services.api_token_create(
            organization=org_world.org, membership=getattr(org_world, role), name=f"{role} token"
        )
    return secret


def _api(method: str, url: str, secret: str | None = None, body=None, raw: str | None = None):
    client = Client()
    extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if raw is not None or body is not None:
        return getattr(client, method)(
            url, data=raw if raw is not None else json.dumps(body), content_type="application/json", **extra
        )
    return getattr(client, method)(url, **extra)


ADMIN_OPERATIONS = [
    ("get", "/api/v1/o/porta/memberships/", None),
    ("post", "/api/v1/o/porta/memberships/", {"email": "new@example.com", "full_name": "New", "roles": ["finance"]}),
    ("get", "/api/v1/o/porta/memberships/{ae}/", None),
    ("patch", "/api/v1/o/porta/memberships/{ae}/", {"roles": ["finance"]}),
    ("get", "/api/v1/o/porta/teams/", None),
    ("post", "/api/v1/o/porta/teams/", {"name": "New team"}),
    ("get", "/api/v1/o/porta/teams/{team}/", None),
    ("patch", "/api/v1/o/porta/teams/{team}/", {"name": "Renamed"}),
    ("delete", "/api/v1/o/porta/teams/{team}/", None),
]


@pytest.mark.parametrize("role", ["lead", "ae", "finance"])
def test_admin_operations_refuse_other_roles_with_403_and_change_nothing(world, role):
    secret = _token(world.porta, role)
    before = snapshot()
    for method, url, body in ADMIN_OPERATIONS:
        response = _api(method, url.format(ae=world.porta.ae.pk, team=world.porta.team.pk), secret, body)
        assert (response.status_code, response.json()) == (403, FORBIDDEN), (method, url)
    assert snapshot() == before


def test_anonymous_api_requests_get_401_in_the_error_shape(world):
    before = snapshot()
    for method, url, body in ADMIN_OPERATIONS + [
        ("get", "/api/v1/o/porta/me/", None),
        ("get", "/api/v1/o/nowhere/me/", None),
    ]:
        response = _api(method, url.format(ae=1, team=1), None, body)
        assert (response.status_code, response.json()) == (
            401,
            {
                "error": {
                    "code": "not_authenticated",
                    "message": "Authentication credentials were not provided.",
                    "fields": {},
                }
            },
        )
    assert snapshot() == before


def test_me_describes_the_token_owner_in_the_urls_organisation(world):
    response = _api("get", "/api/v1/o/porta/me/", _token(world.porta, "lead"))
    assert response.json() == {
        "id": world.porta.lead.user.pk,
        "email": "lead@porta.example",
        "full_name": "Lead Porta",
        "language": "",
        "time_zone": "",
        "organization": "porta",
        "membership_id": world.porta.lead.pk,
        "roles": ["sales_lead"],
    }


def test_admin_adds_a_member_through_the_api(world):
    response = _api(
        "post",
        "/api/v1/o/porta/memberships/",
        world.porta.token_secret,
        {"email": "Oriol@Example.com", "full_name": "Oriol Camps", "roles": ["account_executive", "finance"]},
    )
    body = response.json()
    assert response.status_code == 201
    assert {k: body[k] for k in ("email", "full_name", "roles", "is_active")} == {
        "email": "oriol@example.com",
        "full_name": "Oriol Camps",
        "roles": ["account_executive", "finance"],
        "is_active": True,
    }


def test_admin_updates_a_team_through_the_api(world):
    p = world.porta
    response = _api("patch", f"/api/v1/o/porta/teams/{p.team.pk}/", p.token_secret, {"lead_ids": [p.ae.pk]})
    assert response.json() == {
        "id": p.team.pk,
        "name": "Team Porta Digital",
        "lead_ids": [p.ae.pk],
        "member_ids": sorted([p.ae2.pk]),
    }


def test_tokens_are_created_listed_and_revoked_by_their_owner(world):
    secret = _token(world.porta, "ae")
    created = _api("post", "/api/v1/o/porta/tokens/", secret, {"name": "Nightly export", "days": 10})
    new = created.json()
    assert created.status_code == 201 and new["token"].startswith("adk_") and new["prefix"] == new["token"][:10]
    listed = _api("get", "/api/v1/o/porta/tokens/", secret).json()
    assert sorted(t["name"] for t in listed) == ["Nightly export", "ae token"]
    revoked = _api("delete", f"/api/v1/o/porta/tokens/{new['id']}/", secret)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert _api("get", "/api/v1/o/porta/me/", new["token"]).json() == {
        "error": {"code": "token_revoked", "message": "This API token has been revoked.", "fields": {}}
    }


def test_someone_elses_token_is_not_found_even_in_the_same_organisation(world):
    response = _api("delete", f"/api/v1/o/porta/tokens/{world.porta.token.pk}/", _token(world.porta, "ae"))
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert ApiToken.objects.get(pk=world.porta.token.pk).revoked_at is None


# --- bad input: a clear error, in the one shape, and nothing written ------------------------


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        (
            '{"email": "x@example.com", ',
            400,
            {
                "code": "malformed_request",
                "message": "The request body could not be parsed: JSON parse error - Expecting property name enclosed in double quotes: line 1 column 28 (char 27)",
                "fields": {},
            },
        ),
        (
            json.dumps({"email": "x@example.com", "full_name": "X", "roles": ["finance"], "is_boss": True}),
            400,
            {"code": "invalid", "message": "Invalid input: Unknown field.", "fields": {"is_boss": "Unknown field."}},
        ),
        (
            json.dumps({"email": "x@example.com", "full_name": "X" * 151, "roles": ["finance"]}),
            400,
            {
                "code": "invalid",
                "message": "Invalid input: Ensure this field has no more than 150 characters.",
                "fields": {"full_name": "Ensure this field has no more than 150 characters."},
            },
        ),
        (
            json.dumps({"email": "x@example.com", "full_name": "X", "roles": ["emperor"]}),
            400,
            {
                "code": "invalid",
                "message": 'Invalid input: "emperor" is not a valid choice.',
                "fields": {"roles.0": '"emperor" is not a valid choice.'},
            },
        ),
        (
            json.dumps(["not", "an", "object"]),
            400,
            {
                "code": "invalid",
                "message": "Invalid input: Invalid data. Expected a dictionary, but got list.",
                "fields": {"non_field_errors": "Invalid data. Expected a dictionary, but got list."},
            },
        ),
        (
            json.dumps({"email": "ae@porta.example", "roles": ["finance"]}),
            400,
            {
                "code": "invalid",
                "message": "ae@porta.example is already a member of this organisation.",
                "fields": {"email": "Already a member."},
            },
        ),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(world, raw, status, expected):
    before = snapshot()
    response = _api("post", "/api/v1/o/porta/memberships/", world.porta.token_secret, raw=raw)
    assert (response.status_code, response.json()) == (status, {"error": expected})
    assert snapshot() == before


def test_a_wrong_slug_is_404(world):
    response = _api("get", "/api/v1/o/portaa/me/", world.porta.token_secret)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_an_expired_token_is_refused_with_its_reason(world):
    with transaction.atomic(), tenant_scope(world.porta.org):
        ApiToken.objects.filter(pk=world.porta.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot()
    response = _api("post", "/api/v1/o/porta/teams/", world.porta.token_secret, {"name": "X"})
    assert (response.status_code, response.json()) == (
        401,
        {"error": {"code": "token_expired", "message": "This API token has expired.", "fields": {}}},
    )
    assert snapshot() == before


def test_an_unknown_token_is_404_like_a_non_member(world):
    response = _api("get", "/api/v1/o/porta/me/", "adk_not-a-real-token")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_a_session_request_without_the_csrf_token_is_refused_and_writes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.porta.admin.user)
    before = snapshot()
    response = client.post(
        "/api/v1/o/porta/teams/",
        data=json.dumps({"name": "Forged"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN="forged-token-value",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied")
    assert response.json()["error"]["message"].startswith("CSRF Failed")
    assert snapshot() == before


def test_a_forged_csrf_token_on_a_page_is_refused_and_writes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.porta.admin.user)
    before = snapshot()
    response = client.post("/o/porta/teams/", {"name": "Forged", "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403 and b"Security check failed" in response.content
    assert snapshot() == before


def test_the_openapi_schema_lists_every_operation():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    operations = sorted(op["operationId"] for path in response.json()["paths"].values() for op in path.values())
    assert operations == sorted(
        [
            "me_retrieve",
            "memberships_create",
            "memberships_list",
            "memberships_retrieve",
            "memberships_update",
            "teams_create",
            "teams_destroy",
            "teams_list",
            "teams_retrieve",
            "teams_update",
            "tokens_create",
            "tokens_list",
            "tokens_retrieve",
            "tokens_revoke",
            "clients_create",
            "clients_list",
            "clients_retrieve",
            "clients_update",
            "contacts_create",
            "contacts_list",
            "contacts_retrieve",
            "contacts_update",
            "accounts_audit_list",
            "accounts_create",
            "accounts_list",
            "accounts_retrieve",
            "accounts_update",
            "account_team_add",
            "account_team_list",
            "account_team_remove",
            "account_team_retrieve",
            "account_team_update",
            "objectives_create",
            "objectives_list",
            "objectives_record_actual",
            "objectives_retrieve",
            "objectives_update",
            "activities_create",
            "activities_list",
            "activities_retrieve",
            "activities_update",
            "incidents_create",
            "incidents_list",
            "incidents_retrieve",
            "incidents_update",
            "products_create",
            "products_list",
            "products_make_obsolete",
            "products_reactivate",
            "products_retrieve",
            "products_set_price",
            "products_update",
            "tax_rates_list",
            "categories_list",
            "payments_allocate",
            "payments_create",
            "payments_list",
            "payments_retrieve",
            "payments_reverse",
            "allocations_list",
            "billing_aging",
            "billing_dso",
            "invoices_list",
            "invoices_create",
            "invoices_retrieve",
            "invoices_update",
            "invoices_destroy",
            "invoices_lines_add",
            "invoices_lines_update",
            "invoices_lines_remove",
            "invoices_issue",
            "invoices_credit",
            "credit_notes_list",
            "credit_notes_retrieve",
            "billing_statement_retrieve",
            "billing_product_statement_retrieve",
            "risk_policy_retrieve",
            "risk_policy_create",
            "risk_policy_versions_list",
            "offers_list",
            "offers_create",
            "offers_retrieve",
            "offers_lines_add",
            "offers_submit",
            "offers_decide",
            "offers_send",
            "offers_revise",
            "offers_win",
            "offers_lose",
            "offers_withdraw",
            "orders_list",
            "orders_retrieve",
            "orders_plan_delivery",
            "orders_record_delivery",
            "orders_confirm_receipt",
            "orders_set_invoice_by",
            "orders_invoice",
            "orders_check_list",
        ]
    )


def test_the_api_docs_page_is_served_from_our_own_static_files():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in response.content
    assert "unsafe-inline" not in response["Content-Security-Policy"]


# --- adding someone who already has an account elsewhere (an invitation) ------------------------


def test_adding_a_known_and_an_unknown_email_answers_alike_and_names_no_one(world):
    # given an email that has an account in nordwind and one that has none
    porta = world.porta.token_secret
    body = {"full_name": "Typed By The Admin", "roles": ["finance"]}
    # when porta's admin adds both
    known = _api("post", "/api/v1/o/porta/memberships/", porta, body | {"email": "ae@nordwind.example"})
    unknown = _api("post", "/api/v1/o/porta/memberships/", porta, body | {"email": "new@example.com"})
    # then the same answer, but for the email: what was asked for, not the person's own name
    assert (known.status_code, unknown.status_code) == (201, 201)
    assert known.json() | {"email": "new@example.com"} == unknown.json()
    assert unknown.json() == {
        "email": "new@example.com",
        "full_name": "Typed By The Admin",
        "roles": ["finance"],
        "is_active": True,
    }
    assert b"Ae Nordwind" not in known.content
    # and the known person is not a member until they accept
    members = _api("get", "/api/v1/o/porta/memberships/", porta).json()
    assert "ae@nordwind.example" not in [m["email"] for m in members]
    assert "new@example.com" in [m["email"] for m in members]


# --- token scopes ------------------------------------------------------------------------------


def _read_only_token(org_world, role: str = "admin") -> str:
    with transaction.atomic(), tenant_scope(org_world.org):
        _token, secret = services.api_token_create(
            organization=org_world.org, membership=getattr(org_world, role), name="reader", scope=TokenScope.READ
        )
    return secret


def test_a_read_only_token_reads_and_every_write_answers_403_and_changes_nothing(world):
    # given a read-only token of porta's admin, who may do everything
    secret = _read_only_token(world.porta)
    before = snapshot()
    # when it writes, whatever the method
    writes = [
        _api("post", "/api/v1/o/porta/teams/", secret, {"name": "Equip Nou"}),
        _api("patch", f"/api/v1/o/porta/teams/{world.porta.team.pk}/", secret, {"name": "Renamed"}),
        _api("put", f"/api/v1/o/porta/teams/{world.porta.team.pk}/", secret, {"name": "Renamed"}),
        _api("delete", f"/api/v1/o/porta/teams/{world.porta.team.pk}/", secret),
        _api("post", "/api/v1/o/porta/tokens/", secret, {"name": "write-capable"}),
    ]
    # then each is refused in the error shape, and nothing changed
    refused = {"error": {"code": "token_read_only", "message": "This API token may only read.", "fields": {}}}
    assert [(w.status_code, w.json()) for w in writes] == [(403, refused)] * 5
    assert snapshot() == before
    # and it reads
    assert _api("get", "/api/v1/o/porta/teams/", secret).status_code == 200


def test_a_token_is_made_with_its_scope_and_says_it(world):
    secret = _token(world.porta, "ae")
    read = _api("post", "/api/v1/o/porta/tokens/", secret, {"name": "Reader", "scope": "read"}).json()
    write = _api("post", "/api/v1/o/porta/tokens/", secret, {"name": "Writer"}).json()
    bad = _api("post", "/api/v1/o/porta/tokens/", secret, {"name": "Odd", "scope": "admin"})
    assert (read["scope"], write["scope"]) == ("read", "read_write")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (400, {"scope": '"admin" is not a valid choice.'})
    listed = {t["name"]: t["scope"] for t in _api("get", "/api/v1/o/porta/tokens/", secret).json()}
    assert listed == {"Reader": "read", "Writer": "read_write", "ae token": "read_write"}
