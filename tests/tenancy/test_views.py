import json
import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from tenancy.models import ApiToken, Invitation, Membership, TeamMember
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
# Held exactly, the same with 1 row and with 50: the person, the organisation, the savepoint and
# its tenant setting (set and restored: the test's transaction is outside), the membership, then
# the list's count and its page; People adds the invitations, Teams the page's teams' people and
# the new-team form's two lists of people to choose from.
PEOPLE_PAGE_QUERIES = 10
TEAMS_PAGE_QUERIES = 12


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


# --- adding someone who already has an account elsewhere (an invitation) ------------------------


def _add(client, email: str):
    return client.post(
        "/o/porta/people/",
        {"email": email, "full_name": "Typed By The Admin", "roles": ["finance"]},
        HTTP_HX_REQUEST="true",
    )


def test_the_people_page_answers_a_known_and_an_unknown_email_alike(world):
    # given porta's admin, an email with an account in nordwind and one without
    client = signed_in(world.porta.admin)
    # when they add both
    known, unknown = _add(client, "ae@nordwind.example"), _add(client, "new@example.com")
    # then the same status and message, and the known person's own name is nowhere
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert (
        json.loads(known["HX-Trigger"])
        == json.loads(unknown["HX-Trigger"])
        == {"accountdesk:messages": [{"level": "success", "text": "Typed By The Admin was added."}]}
    )
    assert b"Ae Nordwind" not in known.content and b"Ae Nordwind" not in unknown.content
    # only the email shows for the invited person
    assert b'data-testid="invitation-row" data-email="ae@nordwind.example"' in unknown.content


def test_the_invited_person_sees_the_invitation_accepts_it_and_works_in_the_organisation(world):
    # given porta invites nordwind's ae
    _add(signed_in(world.porta.admin), "ae@nordwind.example")
    invitee = signed_in(world.nordwind.ae)
    assert invitee.get("/o/porta/").status_code == 404
    # when they open their invitations and accept
    page = invitee.get("/invitations/").content.decode()
    invitation_id = re.search(r'action="/invitations/(\d+)/"', page).group(1)
    accepted = invitee.post(f"/invitations/{invitation_id}/", {"answer": "accept"})
    # then they are in porta with the roles offered, and the invitation is gone
    assert "Porta Digital" in page and "Finance" in page
    assert (accepted.status_code, accepted["Location"]) == (302, "/o/porta/")
    assert invitee.get("/o/porta/").status_code == 200
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert Membership.objects.get(user=world.nordwind.ae.user).roles == ["finance"]
        assert not Invitation.objects.filter(user=world.nordwind.ae.user).exists()


def test_home_shows_a_persons_invitations_instead_of_sending_them_on(world):
    invitee = signed_in(world.nordwind.ae)
    assert invitee.get("/")["Location"] == "/o/nordwind/"
    _add(signed_in(world.porta.admin), "ae@nordwind.example")
    home = invitee.get("/")
    assert home.status_code == 200 and b'data-testid="invitation"' in home.content and b"Porta Digital" in home.content


def test_someone_elses_invitation_answers_404_and_changes_nothing(world):
    client = signed_in(world.nordwind.ae)
    before = snapshot()
    for answer in ("accept", "decline"):
        response = client.post(f"/invitations/{world.porta.invitation.pk}/", {"answer": answer})
        assert response.status_code == 404
    assert b"Porta Digital" not in client.get("/invitations/").content
    assert snapshot() == before


def test_the_admin_withdraws_an_invitation(world):
    response = signed_in(world.porta.admin).post(f"/o/porta/people/invitations/{world.porta.invitation.pk}/cancel/")
    assert (response.status_code, response["Location"]) == (302, "/o/porta/people/")
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert Invitation.objects.count() == 0


# --- token scopes on the tokens page -------------------------------------------------------------


def test_the_tokens_page_makes_a_read_only_token_when_asked(world):
    client = signed_in(world.porta.ae)
    form = client.get("/o/porta/tokens/").content.decode()
    client.post("/o/porta/tokens/", {"name": "Dashboard", "scope": "read", "days": "30"})
    with transaction.atomic(), tenant_scope(world.porta.org):
        scope = ApiToken.objects.get(name="Dashboard").scope
    assert '<option value="read" selected>Read only</option>' in form
    assert scope == "read"
    listed = client.get("/o/porta/tokens/").content.decode()
    assert 'data-testid="token-scope">Read only</td>' in listed


# --- the People and Teams lists: filters, sort, pages, a fixed number of queries -----------------


def _more_people(org_world, n: int) -> None:
    from tests.factories import add_member

    for i in range(n):
        add_member(org_world.org, f"p{i:02d}", ["account_executive"], full_name=f"Person {i:02d}")


def _more_teams(org_world, n: int) -> None:
    from tenancy import services

    with transaction.atomic(), tenant_scope(org_world.org):
        for i in range(n):
            services.team_create(
                organization=org_world.org,
                actor=org_world.admin,
                name=f"Equip {i:02d}",
                leads=[org_world.lead],
                members=[org_world.ae, org_world.ae2],
            )


@pytest.mark.parametrize("extra", [0, 45])
def test_the_people_page_reads_a_fixed_number_of_queries(world, django_assert_num_queries, extra):
    # given 5 people, or 50
    _more_people(world.porta, extra)
    client = signed_in(world.porta.admin)
    client.get("/o/porta/people/")  # the session is read once from the database, then from the cache
    # when / then
    with django_assert_num_queries(PEOPLE_PAGE_QUERIES):
        response = client.get("/o/porta/people/")
    assert response.content.decode().count('data-testid="person-row"') == 5 + extra


@pytest.mark.parametrize("extra", [0, 49])
def test_the_teams_page_reads_a_fixed_number_of_queries(world, django_assert_num_queries, extra):
    # given 1 team, or 50, each with people
    _more_teams(world.porta, extra)
    client = signed_in(world.porta.admin)
    client.get("/o/porta/teams/")
    with django_assert_num_queries(TEAMS_PAGE_QUERIES):
        response = client.get("/o/porta/teams/")
    assert response.content.decode().count('data-testid="team-card"') == 1 + extra


def test_the_people_list_filters_sorts_and_pages_from_its_address(world):
    _more_people(world.porta, 60)
    client = signed_in(world.porta.admin)

    def emails(url):
        return re.findall(r'data-testid="person-row" data-email="([^"]+)"', client.get(url).content.decode())

    assert emails("/o/porta/people/?role=finance") == ["finance@porta.example"]
    assert emails("/o/porta/people/?q=person 0&sort=-name") == [f"p0{i}@porta.example" for i in range(9, -1, -1)]
    first, second = emails("/o/porta/people/?sort=email"), emails("/o/porta/people/?sort=email&page=2")
    assert (len(first), len(second)) == (50, 15)
    assert first[:2] == ["admin@porta.example", "ae2@porta.example"] and not set(first) & set(second)
    page = client.get("/o/porta/people/?role=account_executive&sort=name").content.decode()
    assert 'href="?role=account_executive&amp;sort=name&amp;page=2"' in page
    assert 'href="?role=account_executive&amp;sort=-name" aria-sort="ascending"' in page


def test_the_teams_list_filters_and_sorts_from_its_address(world):
    _more_teams(world.porta, 3)
    client = signed_in(world.porta.admin)

    def names(url):
        return re.findall(r'<h2 class="h5 mb-2">([^<]+)</h2>', client.get(url).content.decode())

    assert names("/o/porta/teams/?sort=-name") == ["Team Porta Digital", "Equip 02", "Equip 01", "Equip 00"]
    assert names("/o/porta/teams/?q=equip 0&sort=name") == ["Equip 00", "Equip 01", "Equip 02"]
