import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from tenancy.models import Membership, TeamMember
from tenancy.scope import tenant_scope
from tests.factories import signed_in
from tests.tenancy.isolation import snapshot

ADMIN_PAGES = ["people", "people/{ae}/", "teams", "teams/{team}/"]
ADMIN_POSTS = [
    ("people/", {"email": "new@example.com", "full_name": "New Person", "roles": ["finance"]}),
    ("people/{ae}/", {"m{ae}-roles": ["finance"]}),
    ("people/{ae}/active/", {"is_active": "0"}),
    ("teams/", {"name": "New team"}),
    ("teams/{team}/", {"name": "Renamed"}),
    ("teams/{team}/delete/", {}),
]
EVERYONE_PAGES = ["", "preferences/", "tokens/"]


def _url(world, path: str) -> str:
    path = path.format(ae=world.porta.ae.pk, team=world.porta.team.pk)
    return f"/o/porta/{path}" if path.endswith("/") or path == "" else f"/o/porta/{path}/"


@pytest.mark.parametrize("role", ["lead", "ae", "ae2", "finance"])
def test_non_admins_are_refused_admin_pages_with_403_and_nothing_changes(world, role):
    client = signed_in(getattr(world.porta, role))
    before = snapshot()
    answers = [client.get(_url(world, p)).status_code for p in ADMIN_PAGES]
    answers += [client.post(_url(world, p), data).status_code for p, data in ADMIN_POSTS]
    assert answers == [403] * (len(ADMIN_PAGES) + len(ADMIN_POSTS))
    assert snapshot() == before


def test_anonymous_people_are_sent_to_sign_in_and_nothing_changes(world):
    client = signed_in()
    before = snapshot()
    for path in ADMIN_PAGES + EVERYONE_PAGES:
        response = client.get(_url(world, path))
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={_url(world, path)}")
    for path, data in ADMIN_POSTS:
        assert client.post(_url(world, path), data).status_code == 302
    # an organisation that does not exist answers the same
    assert client.get("/o/nowhere/people/")["Location"] == "/login/?next=/o/nowhere/people/"
    assert snapshot() == before


def test_non_members_and_unknown_organisations_get_the_same_404(world):
    client = signed_in(world.nordwind.admin)
    porta = client.get("/o/porta/people/")
    nowhere = client.get("/o/nowhere/people/")
    assert (porta.status_code, nowhere.status_code) == (404, 404)
    # The page echoes the path it was asked for (the language switch returns there); beyond
    # that, the two answers are the same bytes.
    porta_page = _without_per_response_tokens(porta.content).replace(b"/o/porta/", b"/o/nowhere/")
    assert porta_page == _without_per_response_tokens(nowhere.content)


def _without_per_response_tokens(content: bytes) -> bytes:
    # The CSP nonce and the masked CSRF token differ on every response by design.
    content = re.sub(rb'nonce="[^"]+"', b'nonce=""', content)
    content = re.sub(rb'"X-CSRFToken": "[^"]+"', b'"X-CSRFToken": ""', content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', content)


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2", "finance"])
def test_every_member_reaches_home_preferences_and_tokens(world, role):
    client = signed_in(getattr(world.porta, role))
    assert [client.get(_url(world, p)).status_code for p in EVERYONE_PAGES] == [200, 200, 200]


def test_admin_adds_a_person_with_htmx_and_gets_the_panel_partial(world):
    client = signed_in(world.porta.admin)
    response = client.post(
        "/o/porta/people/",
        {"email": "marta@example.com", "full_name": "Marta Serra", "roles": ["account_executive"]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="people-panel"')
    assert b"<html" not in response.content and b"marta@example.com" in response.content
    assert "Marta Serra was added." in response["HX-Trigger"]
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert Membership.objects.get(user__email="marta@example.com").roles == ["account_executive"]


def test_the_same_view_renders_the_whole_page_without_htmx(world):
    response = signed_in(world.porta.admin).get("/o/porta/people/")
    assert response.status_code == 200
    assert b"<html" in response.content and b'id="people-panel"' in response.content


def test_add_person_with_bad_input_shows_the_errors_and_writes_nothing(world):
    client = signed_in(world.porta.admin)
    before = snapshot()
    response = client.post(
        "/o/porta/people/", {"email": "not-an-email", "full_name": "x" * 200, "roles": []}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a valid email address." in text
    assert "Ensure this value has at most 150 characters (it has 200)." in text
    assert "This field is required." in text
    assert snapshot() == before


def test_admin_changes_roles_inline_and_sees_the_row(world):
    client = signed_in(world.porta.admin)
    ae = world.porta.ae
    edit = client.get(f"/o/porta/people/{ae.pk}/?edit=1", HTTP_HX_REQUEST="true")
    assert edit.content.lstrip().startswith(f'<tr id="person-{ae.pk}"'.encode()) and b'type="checkbox"' in edit.content
    saved = client.post(
        f"/o/porta/people/{ae.pk}/", {f"m{ae.pk}-roles": ["account_executive", "finance"]}, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200 and b"Finance" in saved.content and b'type="checkbox"' not in saved.content
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert Membership.objects.get(pk=ae.pk).roles == ["account_executive", "finance"]


def test_a_deactivated_member_loses_access_at_once_session_and_token(world):
    ae_client = signed_in(world.porta.ae)
    assert ae_client.get("/o/porta/").status_code == 200
    with transaction.atomic(), tenant_scope(world.porta.org):
        from tenancy import services

        _token, secret = services.api_token_create(
            organization=world.porta.org, membership=world.porta.ae, name="script"
        )
    assert Client().get("/api/v1/o/porta/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    # when the admin deactivates them
    response = signed_in(world.porta.admin).post(
        f"/o/porta/people/{world.porta.ae.pk}/active/", {"is_active": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and b"Deactivated" in response.content
    # then the open session and the token both stop working
    assert ae_client.get("/o/porta/").status_code == 404
    assert Client().get("/api/v1/o/porta/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 404


def test_admin_edits_a_team_and_is_redirected_to_the_list(world):
    client = signed_in(world.porta.admin)
    p = world.porta
    response = client.post(
        f"/o/porta/teams/{p.team.pk}/",
        {"name": "Equip Gràcia", "leads": [p.lead.pk], "members": [p.ae.pk, p.finance.pk]},
        HTTP_HX_REQUEST="true",
    )
    assert (response.status_code, response["HX-Redirect"]) == (200, "http://testserver/o/porta/teams/")
    with transaction.atomic(), tenant_scope(p.org):
        rows = sorted(
            TeamMember.objects.filter(team=p.team).values_list("team__name", "membership__user__email", "is_lead")
        )
    assert rows == [
        ("Equip Gràcia", "ae@porta.example", False),
        ("Equip Gràcia", "finance@porta.example", False),
        ("Equip Gràcia", "lead@porta.example", True),
    ]


def test_team_form_offers_only_this_organisations_people(world):
    response = signed_in(world.porta.admin).get(f"/o/porta/teams/{world.porta.team.pk}/")
    text = response.content.decode()
    assert text.count('name="leads"') == 5 and text.count('name="members"') == 5
    assert "Nordwind" not in text


def test_tokens_page_shows_the_secret_once(world):
    client = signed_in(world.porta.ae)
    created = client.post("/o/porta/tokens/", {"name": "Spreadsheet sync", "days": "30"}, HTTP_HX_REQUEST="true")
    secret = created.content.decode().split('<code class="ad-secret user-select-all">')[1].split("<")[0]
    assert secret.startswith("adk_")
    again = client.get("/o/porta/tokens/")
    assert secret.encode() not in again.content and secret[:10].encode() in again.content


def test_preferences_save_language_and_time_zone(world):
    client = signed_in(world.porta.ae)
    response = client.post("/o/porta/preferences/", {"language": "ca", "time_zone": "Atlantic/Canary"})
    assert response.status_code == 302
    world.porta.ae.user.refresh_from_db()
    assert (world.porta.ae.user.language, world.porta.ae.user.time_zone) == ("ca", "Atlantic/Canary")


def test_adding_a_new_person_queues_their_welcome_mail_after_commit(world, django_capture_on_commit_callbacks):
    client = signed_in(world.porta.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post("/o/porta/people/", {"email": "jan@example.com", "full_name": "Jan Mas", "roles": ["finance"]})
    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing is sent inside the request: the worker sends it


def _sidenav(response) -> tuple[str, list[str], list[str]]:
    """The navigation's organisation name, its links, and the active ones."""
    nav = re.search(r'<aside class="offcanvas-lg.*?</aside>', response.content.decode(), re.S).group(0)
    name = re.search(r'<span class="fw-semibold">([^<]*)</span>', nav).group(1)
    links = re.findall(r'<a class="nav-link(?: active)?" href="([^"]*)"', nav)
    active = re.findall(r'<a class="nav-link active" href="([^"]*)"', nav)
    return name, links, active


def test_the_remembered_navigation_is_each_organisations_and_each_roles_own(world):
    # given the same pages asked by people of two organisations and two roles, in turn
    porta_admin, nordwind_admin, porta_ae = (
        signed_in(world.porta.admin),
        signed_in(world.nordwind.admin),
        signed_in(world.porta.ae),
    )
    # when
    first = _sidenav(porta_admin.get("/o/porta/portfolio/"))
    other_org = _sidenav(nordwind_admin.get("/o/nordwind/portfolio/"))
    other_role = _sidenav(porta_ae.get("/o/porta/portfolio/"))
    again = _sidenav(porta_admin.get("/o/porta/portfolio/"))
    # then each sees their organisation's name and links, and only admins the organisation's pages
    assert first == again
    assert (first[0], first[2]) == ("Porta Digital", ["/o/porta/portfolio/"])
    assert (other_org[0], other_org[2]) == ("Nordwind Components", ["/o/nordwind/portfolio/"])
    assert all(link.startswith("/o/nordwind/") for link in other_org[1] if link.startswith("/o/"))
    assert "/o/porta/people/" in first[1] and "/o/porta/people/" not in other_role[1]


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("", "/o/porta/"),
        ("my-day/", "/o/porta/my-day/"),
        ("portfolio/", "/o/porta/portfolio/"),
        ("accounts/{account}/", "/o/porta/portfolio/"),
        ("clients/", "/o/porta/clients/"),
        ("incidents/", "/o/porta/incidents/"),
        ("people/", "/o/porta/people/"),
        ("teams/", "/o/porta/teams/"),
        ("tokens/", "/o/porta/tokens/"),
        ("preferences/", "/o/porta/preferences/"),
    ],
)
def test_the_navigation_marks_the_section_of_the_page(world, path, active):
    response = signed_in(world.porta.admin).get("/o/porta/" + path.format(account=world.porta.account.pk))
    assert _sidenav(response)[2] == [active]


def test_the_remembered_navigation_follows_the_language(world):
    client = signed_in(world.porta.admin)
    english = _sidenav(client.get("/o/porta/"))
    client.post("/language/", {"language": "ca", "next": "/o/porta/"})
    catalan = client.get("/o/porta/").content.decode()
    assert english[0] == "Porta Digital"
    assert "Cartera" in re.search(r'<aside class="offcanvas-lg.*?</aside>', catalan, re.S).group(0)
