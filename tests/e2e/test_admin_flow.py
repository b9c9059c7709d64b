"""An admin of porta, in Chromium: add a person, put them in the team, switch to Catalan, sign out."""

import pytest
from django.core.management import call_command
from django.db import transaction
from playwright.sync_api import expect

from tenancy.models import Membership, Organization, TeamMember, User
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_admin_adds_a_person_puts_them_in_the_team_switches_to_catalan_and_signs_out(
    transactional_db, page_factory, screenshots, width, label
):
    call_command("seed_demo", "--people-only", stdout=open("/dev/null", "w"))
    # The admin chose English (without a choice they would read porta's own language, Catalan).
    User.objects.filter(email="admin@porta.example").update(language="en")
    page = page_factory(width=width, height=860 if width > 800 else 780)  # the browser asks for English
    # sign in: a person in one organisation lands in it
    _sign_in(page, "admin@porta.example")
    page.wait_for_url("**/o/porta/")
    page.screenshot(path=screenshots / f"admin-home-{label}.png", full_page=True)
    # add a person (htmx: the panel is replaced, a toast says so)
    page.goto("/o/porta/people/")
    form = page.locator("[data-testid=add-person-form]")
    form.locator("input[name=email]").fill("berta.camps@example.com")
    form.locator("input[name=full_name]").fill("Berta Camps")
    form.get_by_label("Account executive").check()
    form.locator("button[type=submit]").click()
    # (the toast first: it hides itself after five seconds, the row stays)
    page.locator(".toast.show", has_text="Berta Camps was added.").wait_for()
    page.locator("[data-testid=person-row][data-email='berta.camps@example.com']").wait_for()
    page.screenshot(path=screenshots / f"people-{label}.png", full_page=True)
    # put them in the team
    page.goto("/o/porta/teams/")
    page.locator("[data-testid=team-card]", has_text="Equip Barcelona").get_by_role("link", name="Edit").click()
    page.locator("[data-testid=team-form]").locator("fieldset", has_text="Members").get_by_label("Berta Camps").check()
    page.locator("[data-testid=team-form] button[type=submit]").click()
    page.wait_for_url("**/o/porta/teams/")
    page.locator("[data-testid=team-card]", has_text="Equip Barcelona").locator(
        "[data-testid=team-person]", has_text="Berta Camps"
    ).wait_for()
    page.screenshot(path=screenshots / f"teams-{label}.png", full_page=True)
    # switch the language to Catalan
    if width < 576:  # on a phone the language switch lives in the person's menu
        page.locator("[data-testid=user-menu]").click()
        page.locator("[data-testid=language-menu] button[value=ca]").click()
    else:
        page.locator("[data-testid=language-switch] button[value=ca]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ca")
    page.get_by_role("heading", name="Equips", exact=True).wait_for()
    page.screenshot(path=screenshots / f"teams-ca-{label}.png", full_page=True)
    # sign out
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=logout]").click()
    page.wait_for_url("**/login/")
    page.get_by_text("Has tancat la sessió.").wait_for()
    page.screenshot(path=screenshots / f"signed-out-{label}.png", full_page=True)
    assert page.console_errors == []
    # what the browser did is in the database
    porta = Organization.objects.get(slug="porta")
    with transaction.atomic(), tenant_scope(porta):
        berta = Membership.objects.select_related("user").get(user__email="berta.camps@example.com")
        teams = list(TeamMember.objects.filter(membership=berta).values_list("team__name", "is_lead"))
        admin_language = Membership.objects.get(user__email="admin@porta.example").user.language
    assert (berta.roles, teams, admin_language) == (["account_executive"], [("Equip Barcelona", False)], "ca")
