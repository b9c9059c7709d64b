"""In Chromium: an account executive logs a visit with a next step and finds it in My day; the
sales lead reassigns an account from the portfolio."""

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Activity
from tenancy.scope import tenant_scope


def _sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "accountdesk-demo")
    page.click("main button[type=submit]")
    page.wait_for_url("**/o/porta/")


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_ae_logs_a_visit_with_a_next_step_and_sees_it_in_my_day(tworld, page_factory, screenshots, width, label):
    page = page_factory(width=width, height=900)
    _sign_in(page, "ae@porta.example")
    page.goto("/o/porta/portfolio/")
    page.get_by_role("link", name="Porta Account").click()
    page.wait_for_url(f"**/o/porta/accounts/{tworld.porta.account.pk}/")
    form = page.locator("[data-testid=activity-form]")
    form.locator("select[name=kind]").select_option("visit")
    form.locator("input[name=duration_minutes]").fill("50")
    form.locator("textarea[name=summary]").fill("Visited the Lleida office: they want the spring campaign live by March.")
    form.get_by_label("Contact Porta").check()
    form.locator("input[name=next_step]").fill("Send the spring campaign quote")
    form.locator("input[name=next_step_due]").fill(timezone.localdate().isoformat())
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=timeline] [data-testid=activity]", has_text="Visited the Lleida office").wait_for()
    page.locator("[data-testid=next-steps]", has_text="Send the spring campaign quote").wait_for()
    page.screenshot(path=screenshots / f"account-360-{label}.png", full_page=True)
    page.goto("/o/porta/my-day/")
    item = page.locator("[data-testid=my-next-steps] li", has_text="Send the spring campaign quote")
    item.wait_for()
    page.screenshot(path=screenshots / f"my-day-{label}.png", full_page=True)
    item.get_by_role("link").click()
    page.wait_for_url(f"**/o/porta/accounts/{tworld.porta.account.pk}/")
    assert page.console_errors == []
    with transaction.atomic(), tenant_scope(tworld.porta.org):
        activity = Activity.objects.get(summary__startswith="Visited the Lleida office")
        assert (activity.kind, activity.duration_minutes, activity.next_step_owner_id, list(activity.contacts.values_list("full_name", flat=True))) == ("visit", 50, tworld.porta.ae.pk, ["Contact Porta"])


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_lead_reassigns_an_account(tworld, page_factory, screenshots, width, label):
    page = page_factory(width=width, height=900)
    _sign_in(page, "lead@porta.example")
    account = tworld.porta.account
    if width >= 768:
        page.goto("/o/porta/portfolio/")
        row = page.locator(f"#account-{account.pk}")
        row.locator("[data-testid=reassign-open]").click()
        row.locator("[data-testid=reassign-form] select[name=owner]").select_option(label="Ae2 Porta")
        row.locator("[data-testid=reassign-form] button[type=submit]").click()
        page.locator(".toast.show", has_text="Porta Account now belongs to Ae2 Porta.").wait_for()
        page.screenshot(path=screenshots / f"portfolio-reassigned-{label}.png", full_page=True)
    else:  # on a phone the owner column folds away: reassign from the account page
        page.goto(f"/o/porta/accounts/{account.pk}/")
        page.locator("[data-testid=account-reassign] select").select_option(label="Ae2 Porta")
        page.locator("[data-testid=account-reassign] button").click()
        page.locator("[data-testid=account-owner]", has_text="Ae2 Porta").wait_for()
        page.screenshot(path=screenshots / f"account-reassigned-{label}.png", full_page=True)
    assert page.console_errors == []
    with transaction.atomic(), tenant_scope(tworld.porta.org):
        assert Account.objects.get(pk=account.pk).owner_id == tworld.porta.ae2.pk
