import re

from django.core import mail
from django.test import Client

from tests.factories import signed_in

PASSWORD = "accountdesk-demo"


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/login/", {"email": email, "password": password}, **extra)


def test_a_person_in_one_organisation_lands_in_it(world):
    client = Client()
    response = _login(client, "ae@porta.example")
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/o/porta/"


def test_a_person_in_several_organisations_picks_one_and_the_top_bar_switches(world):
    from django.db import transaction

    from tenancy import services
    from tenancy.scope import tenant_scope

    with transaction.atomic(), tenant_scope(world.nordwind.org):
        services.membership_add(
            organization=world.nordwind.org, actor=None, email="ae@porta.example", full_name="", roles=["finance"]
        )
    client = Client()
    _login(client, "ae@porta.example")
    picker = client.get("/")
    assert picker.status_code == 200
    assert re.findall(r'href="(/o/[a-z]+/)"', picker.content.decode()) == ["/o/nordwind/", "/o/porta/"]
    page = client.get("/o/nordwind/").content.decode()
    assert 'hx-get="/o/nordwind/organizations/"' in page and "Porta Digital" not in page
    switcher = client.get("/o/nordwind/organizations/", HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'<a class="dropdown-item( active)?" href="(/o/[a-z]+/)"', switcher) == [
        (" active", "/o/nordwind/"),
        ("", "/o/porta/"),
    ]
    assert "<html" not in switcher and "Nordwind Components" in switcher and "Porta Digital" in switcher


def test_a_wrong_password_is_refused_with_a_message(world):
    client = Client()
    response = _login(client, "ae@porta.example", "wrong-password")
    assert response.status_code == 400 and b"The email or the password is not right." in response.content
    assert client.get("/o/porta/").status_code == 302


def test_login_is_throttled_per_account(world, settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _login(Client(), "ae@porta.example", "wrong", REMOTE_ADDR=address)
    # even the right password, from a new address, waits
    response = _login(Client(), "ae@porta.example", PASSWORD, REMOTE_ADDR="10.0.0.4")
    assert (
        response.status_code == 400
        and b"Too many failed attempts. Wait a few minutes and try again." in response.content
    )
    # another account is not affected
    assert _login(Client(), "ae2@porta.example", PASSWORD, REMOTE_ADDR="10.0.0.4").status_code == 302


def test_the_address_limit_refuses_wrong_guesses_but_not_someone_who_knows_their_password(world, settings):
    # given an address that guessed wrong up to its limit
    settings.LOGIN_THROTTLE_PER_ADDRESS = 3
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        _login(Client(), email, "wrong", REMOTE_ADDR="10.9.9.9")
    # when a wrong guess comes from it, it is told to wait
    wrong = _login(Client(), "ae2@porta.example", "wrong", REMOTE_ADDR="10.9.9.9")
    assert b"Too many failed attempts." in wrong.content and wrong.status_code == 400
    # then a person who knows their password signs in from the same address, and from another
    assert _login(Client(), "ae@porta.example", PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 302
    assert _login(Client(), "ae@porta.example", PASSWORD, REMOTE_ADDR="10.9.9.8").status_code == 302


def test_signing_in_resets_the_accounts_count_of_wrong_guesses(world, settings):
    # given an account one wrong guess short of its limit, whose person then signs in
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    for _attempt in range(2):
        _login(Client(), "ae@porta.example", "wrong")
    assert _login(Client(), "ae@porta.example", PASSWORD).status_code == 302
    # when they mistype twice more
    for _attempt in range(2):
        _login(Client(), "ae@porta.example", "wrong")
    # then they are not throttled: the count started again when they signed in
    assert _login(Client(), "ae@porta.example", PASSWORD).status_code == 302


def test_a_reactivated_person_signs_in_afresh_their_old_session_does_not_come_back(world):
    # given ae signed in, then deactivated and reactivated by the admin
    ae = Client()
    _login(ae, "ae@porta.example")
    assert ae.get("/o/porta/").status_code == 200
    admin = signed_in(world.porta.admin)
    admin.post(f"/o/porta/people/{world.porta.ae.pk}/active/", {"is_active": "0"})
    assert ae.get("/o/porta/").status_code == 404
    admin.post(f"/o/porta/people/{world.porta.ae.pk}/active/", {"is_active": "1"})
    # when the old session asks again (the API first, then a page)
    api = ae.get("/api/v1/o/porta/me/")
    page = ae.get("/o/porta/")
    # then it is signed out and asked to sign in, and signing in again opens the organisation
    assert (api.status_code, api.json()["error"]["code"]) == (401, "not_authenticated")
    assert (page.status_code, page["Location"]) == (302, "/login/?next=/o/porta/")
    assert _login(ae, "ae@porta.example").status_code == 302
    assert ae.get("/o/porta/").status_code == 200


def test_logout_ends_the_session(world):
    client = Client()
    _login(client, "ae@porta.example")
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/o/porta/")["Location"] == "/login/?next=/o/porta/"


def test_password_reset_mails_a_link_that_sets_a_new_password(world):
    client = Client()
    client.post("/password-reset/", {"email": "ae@porta.example"})
    assert [m.to for m in mail.outbox] == [["ae@porta.example"]]
    link = re.search(r"http://testserver(/password-reset/[^/]+/[^/]+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-42", "new_password2": "a-new-long-password-42"},
    )
    assert _login(Client(), "ae@porta.example", "a-new-long-password-42").status_code == 302
    assert _login(Client(), "ae@porta.example", PASSWORD).status_code == 400


def test_language_switch_is_remembered_for_the_person(world):
    client = Client()
    _login(client, "ae@porta.example")
    response = client.post("/language/", {"language": "ca", "next": "/o/porta/"})
    assert response["Location"] == "/o/porta/"
    world.porta.ae.user.refresh_from_db()
    assert world.porta.ae.user.language == "ca"
    assert client.get("/o/porta/")["Content-Language"] == "ca"


def test_language_switch_refuses_an_unknown_language_and_an_outside_redirect(world):
    client = Client()
    _login(client, "ae@porta.example")
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    world.porta.ae.user.refresh_from_db()
    assert world.porta.ae.user.language == ""
