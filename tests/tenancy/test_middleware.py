from django.db import transaction
from django.test import Client, override_settings

from tenancy.models import Team
from tenancy.scope import tenant_scope


def _templates_with_tests(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "tests" / "templates"]}
    ]


@override_settings(ROOT_URLCONF="tests.tenancy.urls_for_tests")
def test_a_view_that_fails_after_writing_leaves_nothing_written(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.porta.admin.user)
    response = client.get("/o/porta/boom/")
    assert response.status_code == 500 and b"Something went wrong" in response.content
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert list(Team.objects.values_list("name", flat=True)) == ["Team Porta Digital"]


@override_settings(ROOT_URLCONF="tests.tenancy.urls_for_tests")
def test_a_lazy_response_is_rendered_inside_the_tenant_scope(world, settings):
    _templates_with_tests(settings)
    client = Client()
    client.force_login(world.porta.admin.user)
    response = client.get("/o/porta/lazy/")
    assert response.content.decode().strip() == "Team Porta Digital;"


def test_htmx_responses_carry_messages_as_a_trigger_and_pages_show_toasts(world):
    client = Client()
    client.force_login(world.porta.admin.user)
    htmx = client.post("/o/porta/teams/", {"name": "Equip Girona"}, HTTP_HX_REQUEST="true")
    assert (
        htmx["HX-Trigger"]
        == '{"accountdesk:messages": [{"level": "success", "text": "Team Equip Girona was created."}]}'
    )
    page = client.post("/o/porta/teams/", {"name": "Equip Lleida"})
    assert b"Team Equip Lleida was created." in page.content and b"data-autoshow" in page.content


def test_pages_are_in_the_persons_language(world):
    user = world.porta.ae.user
    user.language = "es"
    user.save()
    client = Client()
    client.post("/login/", {"email": "ae@porta.example", "password": "accountdesk-demo"})
    response = client.get("/o/porta/tokens/")
    assert response["Content-Language"] == "es"
    assert "Tokens de API" in response.content.decode() or "tokens de API" in response.content.decode()


def test_content_security_policy_has_nonces_and_nothing_unsafe(world):
    client = Client()
    client.force_login(world.porta.admin.user)
    response = client.get("/o/porta/people/")
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f'<script nonce="{nonce}">'.encode() in response.content
    assert (
        b"<script>" not in response.content
        and b' style="' not in response.content
        and b"<style>" not in response.content
    )


@override_settings(ROOT_URLCONF="tests.tenancy.urls_for_tests")
def test_a_view_that_writes_and_then_refuses_leaves_nothing_written(world):
    client = Client()
    client.force_login(world.porta.admin.user)
    response = client.get("/o/porta/refuse/")
    assert (response.status_code, response.content) == (400, b"refused")
    with transaction.atomic(), tenant_scope(world.porta.org):
        assert list(Team.objects.values_list("name", flat=True)) == ["Team Porta Digital"]


def test_an_api_token_opens_the_api_only_not_the_pages(world):
    header = {"HTTP_AUTHORIZATION": f"Bearer {world.porta.token_secret}"}
    assert Client().get("/api/v1/o/porta/me/", **header).status_code == 200
    page = Client().get("/o/porta/people/", **header)
    assert (page.status_code, page["Location"]) == (302, "/login/?next=/o/porta/people/")


def test_a_person_without_a_language_reads_the_organisations(world):
    # given porta works in Catalan; ae never chose a language, ae2 chose Spanish
    from tests.factories import signed_in

    world.porta.org.default_language = "ca"
    world.porta.org.save()
    user = world.porta.ae2.user
    user.language = "es"
    user.save()
    # when each opens a page (their browsers ask for English)
    unset = signed_in(world.porta.ae).get("/o/porta/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    chosen = signed_in(world.porta.ae2).get("/o/porta/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    # then the one without a language reads Catalan, the other their own
    assert (unset["Content-Language"], chosen["Content-Language"]) == ("ca", "es")
    assert '<html lang="ca"' in unset.content.decode()


def test_the_language_chosen_in_the_session_wins_over_the_organisations(world):
    from tests.factories import signed_in

    world.porta.org.default_language = "ca"
    world.porta.org.save()
    client = signed_in(world.porta.ae)
    client.post("/language/", {"language": "en", "next": "/o/porta/"})
    assert client.get("/o/porta/tokens/")["Content-Language"] == "en"


def test_an_api_request_reads_a_naive_time_in_the_persons_time_zone(world):
    # given ae in Tokyo (UTC+9 in January) with a token, and finance in the organisation's Madrid (UTC+1)
    import json
    from datetime import UTC, datetime

    from accounts.models import Activity
    from tenancy import services

    user = world.porta.ae.user
    user.time_zone = "Asia/Tokyo"
    user.save()
    secrets = {}
    with transaction.atomic(), tenant_scope(world.porta.org):
        for role in ("ae", "finance"):
            _token, secrets[role] = services.api_token_create(
                organization=world.porta.org, membership=getattr(world.porta, role), name="sync"
            )
    # when each logs a call at 09:00 with no offset
    ids = {}
    for role, secret in secrets.items():
        response = Client().post(
            "/api/v1/o/porta/activities/",
            data=json.dumps(
                {"account": world.porta.account.pk, "summary": f"Call {role}", "occurred_at": "2026-01-12T09:00:00"}
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 201, response.content
        ids[role] = response.json()["id"]
    # then 09:00 in each one's time zone
    with transaction.atomic(), tenant_scope(world.porta.org):
        stored = {role: Activity.objects.get(pk=pk).occurred_at for role, pk in ids.items()}
    assert stored == {"ae": datetime(2026, 1, 12, 0, 0, tzinfo=UTC), "finance": datetime(2026, 1, 12, 8, 0, tzinfo=UTC)}
