"""The isolation suite: every tenant route, API operation and tenant-owned model, found by
itself. A member of nordwind asking for porta's objects gets 404 and changes nothing."""

import json
import re

from django.db import transaction
from django.test import Client

from tenancy.scope import tenant_scope
from tests.factories import signed_in
from tests.tenancy.isolation import (
    API_LISTS,
    API_NOT_LISTS,
    ID_SOURCES,
    NON_TENANT_ROUTES,
    body,
    fill_route,
    iter_patterns,
    secrets_of,
    snapshot,
    tenant_models,
    tenant_routes,
)

METHODS = ["get", "post", "put", "patch", "delete"]


def _api_methods(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return [m for m in METHODS if hasattr(view_class, m)]


def _call(client, method, url, **extra):
    body = json.dumps({}) if method in ("post", "put", "patch") else None
    if body is not None:
        return getattr(client, method)(url, data=body, content_type="application/json", **extra)
    return getattr(client, method)(url, **extra)


def test_every_route_is_either_a_tenant_route_or_known_to_be_outside_one():
    uncovered = []
    for route, name, namespace, _callback, _pattern in iter_patterns():
        if namespace == "admin" or route.startswith("admin/"):
            continue  # the superuser-only admin: tests/tenancy/test_admin.py
        if "<slug:org_slug>" in route:
            continue
        if name not in NON_TENANT_ROUTES:
            uncovered.append((route, name))
    assert uncovered == []


def test_every_tenant_url_parameter_is_known():
    names = {name for route, name, callback, pattern in tenant_routes()}
    params = {p for route, *_ in tenant_routes() for p in re.findall(r"<\w+:(\w+)>", route)} - {"org_slug"}
    assert {"org_home", "people", "teams", "tokens", "api-me", "api-memberships", "api-tokens"} <= names
    assert sorted(p for p in params if p not in ID_SOURCES) == []


def test_another_organisations_slug_answers_404_on_every_route_and_method_and_changes_nothing(world):
    # given a member of nordwind with every role, and porta's objects
    everyone = world.nordwind.admin
    with transaction.atomic(), tenant_scope(world.nordwind.org):
        from tenancy import services

        services.membership_change_roles(
            organization=world.nordwind.org,
            actor=everyone,
            membership=everyone,
            roles=["admin", "sales_lead", "account_executive", "finance"],
        )
    client = signed_in(everyone)
    before = snapshot()
    answers = {}
    # when nordwind's member asks for every porta URL, with every method
    for route, _name, _callback, _pattern in tenant_routes():
        url = fill_route(route, "porta", world.porta)
        for method, extra in [(m, {}) for m in METHODS] + [("get", {"HTTP_HX_REQUEST": "true"})]:
            response = _call(client, method, url, **extra)
            answers[(url, method, bool(extra))] = response.status_code
            for secret in secrets_of(world.porta):
                assert secret.encode() not in body(response), (url, method, secret)
    # then every answer is 404 and nothing changed
    assert {key: code for key, code in answers.items() if code != 404} == {}
    assert snapshot() == before


def test_another_organisations_ids_under_ones_own_slug_answer_404_and_change_nothing(world):
    everyone = world.nordwind.admin
    client = signed_in(everyone)
    before = snapshot()
    checked = 0
    for route, _name, _callback, _pattern in tenant_routes():
        if "<int:" not in route:
            continue
        url = fill_route(route, "nordwind", world.porta)  # porta's ids, nordwind's slug
        for method, extra in [(m, {}) for m in METHODS] + [("get", {"HTTP_HX_REQUEST": "true"})]:
            response = _call(client, method, url, **extra)
            # 405 says only that the route does not take this method; it reveals nothing.
            assert response.status_code in (404, 405), (url, method, response.status_code)
            for secret in secrets_of(world.porta):
                assert secret.encode() not in body(response), (url, method, secret)
            checked += response.status_code == 404
    assert checked >= len([r for r in tenant_routes() if "<int:" in r[0]])
    assert snapshot() == before


def test_a_token_of_another_organisation_answers_404_on_every_api_operation(world):
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {world.nordwind.token_secret}"}
    before = snapshot()
    for route, _name, callback, _pattern in tenant_routes():
        if not route.startswith("api/"):
            continue
        url = fill_route(route, "porta", world.porta)
        for method in _api_methods(callback):
            response = _call(client, method, url, **header)
            assert response.status_code == 404, (url, method, response.status_code)
            assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert snapshot() == before


def test_every_api_list_shows_exactly_the_askers_organisation(world):
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {world.nordwind.token_secret}"}
    seen = set()
    for route, name, callback, _pattern in tenant_routes():
        if not route.startswith("api/") or "<int:" in route or "get" not in _api_methods(callback):
            continue
        response = client.get(fill_route(route, "nordwind", world.nordwind), **header)
        assert response.status_code == 200, (route, response.content)
        for secret in secrets_of(world.porta):
            assert secret.encode() not in body(response), (route, secret)
        if name in API_NOT_LISTS:
            continue
        assert name in API_LISTS, f"API list {name!r} is not described in tests/tenancy/isolation.py API_LISTS"
        listed = response.json()
        items = listed["results"] if isinstance(listed, dict) else listed
        assert sorted(item["id"] for item in items) == API_LISTS[name](world.nordwind), name
        seen.add(name)
    assert seen == set(API_LISTS)


def test_every_page_of_ones_own_organisation_shows_nothing_of_another(world):
    # Someone with every role, so that every page renders (finance's forms too), not a 403.
    everyone = world.nordwind.admin
    with transaction.atomic(), tenant_scope(world.nordwind.org):
        from tenancy import services

        services.membership_change_roles(
            organization=world.nordwind.org,
            actor=everyone,
            membership=everyone,
            roles=["admin", "sales_lead", "account_executive", "finance"],
        )
    clients = [signed_in(everyone), signed_in(world.nordwind.finance)]
    for route, name, _callback, _pattern in tenant_routes():
        if route.startswith("api/"):
            continue
        url = fill_route(route, "nordwind", world.nordwind)
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
            for client in clients:
                response = client.get(url, **extra)
                if response.status_code != 403:
                    break
            # a redirect stays in the organisation (an htmx fragment asked for without htmx sends
            # to its page), except the switcher's, to the page for choosing an organisation
            redirected_to = response["Location"] if response.status_code == 302 else None
            assert response.status_code in (200, 405) or (
                redirected_to is not None
                and (
                    redirected_to.startswith("/o/nordwind/") or (name, redirected_to) == ("organization_switcher", "/")
                )
            ), (url, extra, response.status_code, redirected_to)
            for secret in secrets_of(world.porta):
                assert secret.encode() not in body(response), (url, extra, secret)


def test_the_switcher_lists_the_persons_own_active_organisations_and_nothing_else(world):
    # The one tenant route that names other organisations: only the asker's own memberships.
    from tenancy import services

    with transaction.atomic(), tenant_scope(world.nordwind.org):
        services.membership_add(
            organization=world.nordwind.org, actor=None, email="ae@porta.example", full_name="", roles=["finance"]
        )
        former = services.membership_add(
            organization=world.nordwind.org, actor=None, email="ae2@porta.example", full_name="", roles=["finance"]
        )
        services.membership_set_active(
            organization=world.nordwind.org, actor=world.nordwind.admin, membership=former, is_active=False
        )
    names = {}
    for person in ("ae", "ae2", "finance"):
        response = signed_in(getattr(world.porta, person)).get("/o/porta/organizations/", HTTP_HX_REQUEST="true")
        names[person] = re.findall(
            r'<a class="dropdown-item[^"]*" href="/o/[a-z]+/"[^>]*>([^<]+)</a>', response.content.decode()
        )
    assert names == {
        "ae": ["Nordwind Components", "Porta Digital"],
        "ae2": ["Porta Digital"],
        "finance": ["Porta Digital"],
    }
    # without htmx it is the page for choosing an organisation
    assert signed_in(world.porta.ae).get("/o/porta/organizations/")["Location"] == "/"


def test_every_tenant_owned_model_is_known_to_the_suite(world):
    # Each tenant-owned model must have rows in both organisations of `world`, so that the
    # catalogue test (test_rls.py) proves something about it. Add rows to tests/factories.py.
    from tests.tenancy.test_rls import rows_per_organization

    missing = [model._meta.label for model in tenant_models() if 0 in rows_per_organization(model, world).values()]
    assert missing == []
