"""In Chromium: an account executive logs a visit with a next step and finds it in My day; the
sales lead reassigns an account from the portfolio."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

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
    form.locator("textarea[name=summary]").fill(
        "Visited the Lleida office: they want the spring campaign live by March."
    )
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
        assert (
            activity.kind,
            activity.duration_minutes,
            activity.next_step_owner_id,
            list(activity.contacts.values_list("full_name", flat=True)),
        ) == ("visit", 50, tworld.porta.ae.pk, ["Contact Porta"])


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


def test_ae_opens_an_incident_and_sets_an_objective_from_the_folded_forms(tworld, page_factory, screenshots):
    page = page_factory(width=1280, height=900)
    _sign_in(page, "ae@porta.example")
    account = tworld.porta.account
    page.goto(f"/o/porta/accounts/{account.pk}/")
    # the forms are not on the page until their fold opens
    expect(page.locator("[data-testid=incident-form]")).to_have_count(0)
    page.get_by_role("button", name="Open one").click()
    form = page.locator("[data-testid=incident-form]")
    form.locator("input[name=title]").fill("Invoices arrive without the PO number")
    form.locator("select[name=severity]").select_option("high")
    form.locator("button[type=submit]").click()
    page.locator("#incidents li", has_text="Invoices arrive without the PO number").wait_for()
    page.get_by_role("button", name="New objective").click()
    page.locator("#objective-form.show [data-testid=objective-form]").wait_for()  # loaded, and the fold done opening
    form = page.locator("[data-testid=objective-form]")
    form.locator("select[name=metric]").select_option("won_offers")
    today = timezone.localdate()
    form.locator("input[name=period_start]").fill(today.replace(day=1).isoformat())
    form.locator("input[name=period_end]").fill((today.replace(day=1) + timedelta(days=40)).replace(day=1).isoformat())
    form.locator("input[name=target]").fill("4")
    page.screenshot(path=screenshots / "account-360-objective-form-desktop.png", full_page=True)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=objective]", has_text="Number of won offers").wait_for()
    assert page.console_errors == []
    with transaction.atomic(), tenant_scope(tworld.porta.org):
        assert list(account.incidents.order_by("id").values_list("title", "severity")) == [
            ("Porta delivery late", "high"),
            ("Invoices arrive without the PO number", "high"),
        ]
        assert list(account.objectives.order_by("id").values_list("metric", "target")) == [
            ("revenue_invoiced", Decimal("30000.00")),
            ("won_offers", Decimal("4.00")),
        ]


def _ae_on_the_account_page(tworld, page_factory, width: int):
    page = page_factory(width=width, height=900)
    _sign_in(page, "ae@porta.example")
    page.goto(f"/o/porta/accounts/{tworld.porta.account.pk}/")
    return page


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_a_refused_objective_comes_back_at_its_form_with_the_reason_in_view(
    tworld, page_factory, screenshots, width, label
):
    # given the account's objective: revenue invoiced over this quarter
    p = tworld.porta
    page = _ae_on_the_account_page(tworld, page_factory, width)
    page.get_by_role("button", name="New objective").click()
    page.locator("#objective-form.show [data-testid=objective-form]").wait_for()
    form = page.locator("[data-testid=objective-form]")
    # when the same metric and period are asked for again
    form.locator("select[name=metric]").select_option("revenue_invoiced")
    form.locator("input[name=period_start]").fill(p.objective.period_start.isoformat())
    form.locator("input[name=period_end]").fill(p.objective.period_end.isoformat())
    form.locator("input[name=target]").fill("100")
    form.locator("button[type=submit]").click()
    # then the page comes back at the objectives, the reason on screen beside the metric
    page.wait_for_url(f"**/o/porta/accounts/{p.account.pk}/objectives/#objectives")
    error = page.locator("[data-testid=objective-form] .invalid-feedback")
    expect(error).to_have_text("Already set for this period: change that objective instead.")
    # (the browser scrolls to the fragment, smoothly, once the page has loaded: wait until the
    # section's top has come to rest below the top bar)
    page.wait_for_function(
        """() => {
            const section = document.getElementById("objectives").getBoundingClientRect().top;
            const error = document.querySelector("[data-testid=objective-form] .invalid-feedback").getBoundingClientRect();
            return section > 60 && section < 80 && error.top >= 56 && error.bottom <= innerHeight;
        }"""
    )
    page.screenshot(path=screenshots / f"account-360-objective-refused-{label}.png")
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]  # the refused form's answer
    with transaction.atomic(), tenant_scope(p.org):
        assert list(p.account.objectives.values_list("metric", "target")) == [("revenue_invoiced", Decimal("30000.00"))]


IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= 56 && r.bottom <= innerHeight; }"


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_logging_an_activity_keeps_what_matters_in_view(tworld, page_factory, screenshots, width, label):
    # given: ae at the activity form, its button on screen
    page = _ae_on_the_account_page(tworld, page_factory, width)
    form = page.locator("[data-testid=activity-form]")
    form.locator("button[type=submit]").scroll_into_view_if_needed()
    # when: logged without a summary
    form.locator("button[type=submit]").click()
    # then: the reason is on screen, the cursor in the summary (the page scrolls and focuses
    # once htmx has settled the swapped form, a moment after the error is in it)
    error = page.locator("[data-testid=activity-form] .invalid-feedback").first
    expect(error).to_have_text("This field is required.")
    page.wait_for_function(
        f"() => ({IN_VIEW})(document.querySelector('[data-testid=activity-form] .invalid-feedback'))"
    )
    expect(page.locator("[data-testid=activity-form] textarea[name=summary]")).to_be_focused()
    page.screenshot(path=screenshots / f"account-360-activity-refused-{label}.png")
    # when: the summary written and logged again
    page.locator("[data-testid=activity-form] textarea[name=summary]").fill("Called about the renewal")
    page.locator("[data-testid=activity-form] button[type=submit]").click()
    # then: the new activity is on screen
    entry = page.locator("[data-testid=timeline] [data-testid=activity]", has_text="Called about the renewal")
    entry.wait_for()
    entry.element_handle().wait_for_element_state("stable")
    page.wait_for_function(
        f"() => ({IN_VIEW})(document.querySelector('[data-testid=timeline] [data-testid=activity]'))"
    )
    page.screenshot(path=screenshots / f"account-360-activity-logged-{label}.png")
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]  # the refused form's answer


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_finance_reads_the_whole_audit_trail_in_dark_mode(tworld, page_factory, screenshots, width, label):
    from accounts import services

    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        for days in range(31, 56):
            services.account_update(
                organization=p.org, actor=p.admin, account=Account.objects.get(pk=p.account.pk), payment_terms_days=days
            )
    page = page_factory(width=width, height=900, color_scheme="dark")
    _sign_in(page, "finance@porta.example")
    page.goto(f"/o/porta/accounts/{p.account.pk}/")
    trail = page.locator("[data-testid=audit] [data-testid=audit-event]")
    expect(trail).to_have_count(20)
    page.locator("[data-testid=audit-more]").click()
    expect(trail).to_have_count(30)
    expect(page.locator("[data-testid=audit-more]")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.get_by_role("button", name="Open one").click()
    page.locator("#incident-form.show [data-testid=incident-form]").wait_for()
    page.evaluate(
        "window.scrollTo(0, 0)"
    )  # a full-page capture draws the sticky top bar where the page was scrolled to
    page.screenshot(path=screenshots / f"account-360-dark-{label}.png", full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize(("width", "label", "scheme"), [(1280, "desktop", "light"), (390, "phone", "dark")])
def test_ae_exports_a_filtered_portfolio_too_long_to_download_at_once(
    tworld, page_factory, screenshots, celery_worker_process, settings, width, label, scheme
):
    import csv
    import io

    from accounts import services

    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        for name in ("Lleida Logistics", "Lleida Retail", "Girona Foods"):
            services.account_create(
                organization=p.org, actor=p.admin, client=p.client, name=name, owner=p.ae, sales_team=p.team
            )
    settings.EXPORT_INLINE_ROWS = 1
    page = page_factory(width=width, height=900, color_scheme=scheme)
    _sign_in(page, "ae@porta.example")
    page.goto("/o/porta/portfolio/")
    if width < 768:
        page.get_by_role("button", name="Filters").click()
    page.locator("[data-testid=portfolio-filters] input[name=q]").fill("lleida")
    expect(page.locator("[data-testid=account-row]")).to_have_count(2)
    # the export buttons follow the filters the list was given by htmx
    page.locator("[data-testid=export-csv]").click()
    page.wait_for_url("**/o/porta/exports/*/")
    page.locator("[data-testid=export-status][data-status=done]").wait_for(timeout=30_000)
    page.screenshot(path=screenshots / f"export-ready-{label}.png", full_page=True)
    with page.expect_download() as download:
        page.locator("[data-testid=export-download]").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert [row[0] for row in rows] == ["Account", "Lleida Logistics", "Lleida Retail"]
    assert download.value.suggested_filename.startswith("portfolio-") and download.value.suggested_filename.endswith(
        ".csv"
    )
    assert page.console_errors == []


def test_ae_marks_a_next_step_done_from_my_day(tworld, page_factory):
    page = page_factory(width=1280, height=900)
    _sign_in(page, "ae@porta.example")
    page.goto("/o/porta/my-day/")
    step = page.locator("[data-testid=my-next-steps] li", has_text="Send porta proposal")
    # one form for the list: the button posts it to its own step
    step.get_by_role("button", name="Mark done").click()
    page.locator(".toast.show", has_text="Next step done.").wait_for()
    expect(step).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/o/porta/my-day/$"))
    assert page.console_errors == []
    with transaction.atomic(), tenant_scope(tworld.porta.org):
        assert Activity.objects.get(pk=tworld.porta.activity.pk).next_step_done_at is not None


def test_the_portfolios_filters_survive_the_top_bar_search_and_the_language_switch(tworld, page_factory):
    # given: a lead filters the portfolio (htmx puts the filter in the address). The page runs on
    # Playwright's clock, so the list's own 300 ms delay is run through, not waited for.
    page = page_factory(width=1280, height=900)
    page.clock.install()
    _sign_in(page, "lead@porta.example")
    page.goto("/o/porta/portfolio/")
    page.locator("#portfolio-filters select[name=status]").select_option("active")
    page.wait_for_url("**/o/porta/portfolio/?*status=active*")
    filtered = page.url
    # when: they type in the top bar's search box
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/portfolio/" in request.url else None)
    page.evaluate(
        """() => {
            window.htmxRequests = [];
            document.addEventListener("htmx:beforeRequest", (event) => window.htmxRequests.push(event.detail.pathInfo.requestPath));
        }"""
    )
    page.keyboard.press("/")
    page.keyboard.type("porta")
    page.locator("#search-results a").first.wait_for()
    page.clock.run_for(1000)  # every delayed trigger due by then has fired, the list's included
    # then: only the search asked the server; the list did not reload and the address kept the filter
    assert (page.url, requests, set(page.evaluate("window.htmxRequests"))) == (filtered, [], {"/o/porta/search/"})
    # when: they switch to Spanish
    page.keyboard.press("Escape")
    page.locator("[data-testid=language-switch] button[value=es]").click()
    # then: the same filtered list, in Spanish
    expect(page.locator("h1")).to_have_text("Cartera")
    expect(page).to_have_url(filtered)
    expect(page.locator("#portfolio-filters select[name=status]")).to_have_value("active")
    assert page.console_errors == []


def test_on_a_phone_the_search_page_shows_results_as_one_types(tworld, page_factory, screenshots):
    # given ae on a phone, where the top bar has only the magnifier
    page = page_factory(width=390, height=844)
    _sign_in(page, "ae@porta.example")
    page.locator("a[aria-label=Search]").click()
    page.wait_for_url("**/o/porta/search/")
    # when: typing, without pressing Enter
    page.locator("[data-testid=search-page-form] input[name=q]").press_sequentially("porta acc", delay=30)
    # then
    result = page.locator("[data-testid=search-page-results] [data-testid=search-result]", has_text="Porta Account")
    result.wait_for()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('q') === 'porta acc'"
    )  # replaced by htmx as one types: no navigation, no history entry per letter
    page.screenshot(path=screenshots / "search-page-typing-phone.png")
    result.click()
    page.wait_for_url(f"**/o/porta/accounts/{tworld.porta.account.pk}/")
    assert page.console_errors == []
