import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone, translation

from accounts import selectors, services
from accounts.filters import _FORM_CLASSES, AccountFilter
from accounts.models import Account, Activity
from tenancy.scope import tenant_scope
from tests.factories import post_unchanged, signed_in
from tests.tenancy.isolation import snapshot


def _other_account(world, owner="ae2", team=None, name="Other Account"):
    """An account of porta owned by someone else, outside ae's sight unless `team` says so."""
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        return services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name=name,
            owner=getattr(p, owner),
            sales_team=team,
        )


def _accounts(world, n, owner="ae"):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for i in range(n):
            services.account_create(
                organization=p.org,
                actor=p.admin,
                client=p.client,
                name=f"Bulk {i:03d}",
                owner=getattr(p, owner),
                sales_team=p.team,
            )


def _names(response) -> list[str]:
    return re.findall(r'data-testid="account-row" data-account="([^"]+)"', response.content.decode())


# --- who sees which account -----------------------------------------------------------------


def test_the_portfolio_shows_each_role_exactly_the_accounts_it_may_see(world):
    _other_account(world, owner="ae2", team=None, name="Ae2 Solo")
    _other_account(world, owner="ae2", team=world.porta.team, name="Ae2 In Team")
    assert _names(signed_in(world.porta.ae).get("/o/porta/portfolio/")) == ["Porta Account"]
    assert _names(signed_in(world.porta.ae2).get("/o/porta/portfolio/")) == ["Ae2 In Team", "Ae2 Solo", "Porta Account"]
    # the lead: their team's accounts, and ae2's without a team (ae2 is in the lead's team)
    assert _names(signed_in(world.porta.lead).get("/o/porta/portfolio/")) == [
        "Ae2 In Team",
        "Ae2 Solo",
        "Porta Account",
    ]
    assert _names(signed_in(world.porta.finance).get("/o/porta/portfolio/")) == [
        "Ae2 In Team",
        "Ae2 Solo",
        "Porta Account",
    ]
    assert _names(signed_in(world.porta.admin).get("/o/porta/portfolio/")) == [
        "Ae2 In Team",
        "Ae2 Solo",
        "Porta Account",
    ]


def test_an_account_one_may_not_see_is_404_like_one_that_does_not_exist(world):
    hidden = _other_account(world, owner="ae2", team=None)
    client = signed_in(world.porta.ae)
    assert client.get(f"/o/porta/accounts/{hidden.pk}/").status_code == 404
    assert client.get("/o/porta/accounts/999999/").status_code == 404
    before = snapshot()
    assert (
        client.post(
            f"/o/porta/accounts/{hidden.pk}/activities/",
            {"kind": "call", "summary": "x", "occurred_at": "2026-01-01T10:00", "duration_minutes": "5"},
        ).status_code
        == 404
    )
    assert snapshot() == before


def test_filters_and_sort_are_in_the_url_and_htmx_gets_the_results_partial(world):
    _accounts(world, 3)
    client = signed_in(world.porta.admin)
    page = client.get("/o/porta/portfolio/?q=bulk&sort=-name")
    partial = client.get("/o/porta/portfolio/?q=bulk&sort=-name", HTTP_HX_REQUEST="true")
    assert _names(page) == _names(partial) == ["Bulk 002", "Bulk 001", "Bulk 000"]
    assert b"<html" in page.content and b"<html" not in partial.content
    # the results, and the export buttons again (out of band) for exactly these rows
    exports = '<form id="export-buttons" method="post" action="/o/porta/portfolio/export.csv?q=bulk&amp;sort=-name"'
    assert (page.content.decode().count(exports), page.content.decode().count('hx-swap-oob="true"')) == (1, 0)
    assert re.match(
        re.escape(exports) + r'[^>]* hx-swap-oob="true">.*?</form>\s*<div id="results">',
        partial.content.decode().lstrip(),
        re.S,
    )


@pytest.mark.parametrize("key", ["name", "owner", "status", "tier", "credit_limit", "last_activity"])
def test_every_sortable_column_sorts_both_ways(world, key):
    # given: accounts that differ in every sorted column
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for name, owner, status, tier, limit in [
            ("B Two", p.ae2, "at_risk", "key", "900"),
            ("C Three", p.ae, "onboarding", "strategic", "100"),
            ("A One", p.ae2, "dormant", "growth", "500"),
        ]:
            services.account_create(
                organization=p.org,
                actor=p.admin,
                client=p.client,
                name=name,
                owner=owner,
                status=status,
                tier=tier,
                credit_limit=limit,
                sales_team=p.team,
            )
    client = signed_in(p.admin)
    # when
    ascending, descending = (
        _names(client.get(f"/o/porta/portfolio/?sort={key}")),
        _names(client.get(f"/o/porta/portfolio/?sort=-{key}")),
    )
    # then
    assert len(ascending) == 4
    assert descending == list(reversed(ascending))
    if key in ("status", "tier"):
        # in the order the choices are declared: onboarding, active, at risk, dormant; strategic, key, growth, standard
        assert (
            ascending
            == {
                "status": ["C Three", "Porta Account", "B Two", "A One"],
                "tier": ["C Three", "B Two", "Porta Account", "A One"],
            }[key]
        )


def test_has_overdue_next_steps_filter(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        Activity.objects.filter(pk=p.activity.pk).update(next_step_due=timezone.localdate() - timedelta(days=3))
    _accounts(world, 1)
    client = signed_in(p.admin)
    assert _names(client.get("/o/porta/portfolio/?has_overdue_next_steps=true")) == ["Porta Account"]
    assert _names(client.get("/o/porta/portfolio/?has_overdue_next_steps=false")) == ["Bulk 000"]


def _filter_select(response, name: str) -> tuple[str, list[tuple[str, str]]]:
    """A filter's label and its options (value, text), as the page shows them."""
    found = re.search(
        rf'<label [^>]*for="id_{name}">([^<]*)</label><select name="{name}"[^>]*>(.*?)</select>',
        response.content.decode(),
        re.S,
    )
    return found.group(1), re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(2))


def test_the_filters_offer_each_organisations_own_people_and_teams_in_the_persons_language(world):
    # given: the form class is built once per language and reused; each request's form gets
    # its own organisation's choices
    p, n = world.porta, world.nordwind
    n.admin.user.language = "es"
    n.admin.user.save(update_fields=["language"])
    porta_people = [
        (str(m.pk), m.user.full_name)
        for m in sorted([p.admin, p.ae, p.ae2, p.finance, p.lead], key=lambda m: m.user.full_name)
    ]
    nordwind_people = [
        (str(m.pk), m.user.full_name)
        for m in sorted([n.admin, n.ae, n.ae2, n.finance, n.lead], key=lambda m: m.user.full_name)
    ]
    # when
    first, other, again = (
        signed_in(who).get(f"/o/{who.organization.slug}/portfolio/") for who in (p.admin, n.admin, p.admin)
    )
    # then
    for page in (first, again):
        assert _filter_select(page, "owner") == ("Owner", [("", "Anyone")] + porta_people)
        assert _filter_select(page, "sales_team") == (
            "Team",
            [("", "Any team"), (str(p.team.pk), "Team Porta Digital")],
        )
    assert _filter_select(other, "owner") == ("Propietario", [("", "Cualquiera")] + nordwind_people)
    assert _filter_select(other, "sales_team") == (
        "Equipo",
        [("", "Cualquier equipo"), (str(n.team.pk), "Team Nordwind Components")],
    )
    # and the form class both organisations' pages shared holds neither's people or teams
    shared = [_FORM_CLASSES[(AccountFilter, language)].base_fields for language in ("en", "es")]
    assert [
        (name, f.queryset.query.is_empty()) for fields in shared for name, f in fields.items() if hasattr(f, "queryset")
    ] == [("owner", True), ("sales_team", True)] * 2


def test_exports_hold_exactly_the_filtered_sorted_rows(world):
    _accounts(world, 2)
    client = signed_in(world.porta.admin)
    rows = list(
        csv.reader(
            io.StringIO(client.get("/o/porta/portfolio/export.csv?q=bulk&sort=-name").content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:3] == ["Account", "Client", "Owner"]
    assert [r[0] for r in rows[1:]] == ["Bulk 001", "Bulk 000"]
    assert rows[1][8] == "0.00"
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/o/porta/portfolio/export.xlsx?q=bulk&sort=-name").content)
    ).active
    values = list(sheet.values)
    assert [v[0] for v in values[1:]] == ["Bulk 001", "Bulk 000"]
    assert str(values[1][8]) == "0"


@pytest.mark.parametrize("count", [1, 50])
def test_the_portfolio_takes_the_same_number_of_queries_with_1_and_50_accounts(world, count, django_assert_num_queries):
    _accounts(world, count - 1)
    client = signed_in(world.porta.lead)
    client.get("/o/porta/portfolio/")
    # user, organisation, membership, row count, led teams, the owner and team filter
    # options, page rows, the rows' billing summary; plus the tenant transaction's savepoint,
    # setting, reset and release (the test's own transaction makes the middleware's a
    # savepoint). The owner select of a row loads when the lead opens it; the organisation
    # switcher, when opened.
    with django_assert_num_queries(13):
        response = client.get("/o/porta/portfolio/")
    assert len(_names(response)) == min(count, 25)


# --- reassigning -------------------------------------------------------------------------------


def test_a_lead_reassigns_an_account_from_the_portfolio_row(world):
    p = world.porta
    response = signed_in(p.lead).post(
        f"/o/porta/accounts/{p.account.pk}/reassign/", {"owner": p.ae2.pk, "from": "portfolio"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response.content.lstrip().startswith(
        f'<tr id="account-{p.account.pk}"'.encode()
    )
    assert "Porta Account now belongs to Ae2 Porta." in response["HX-Trigger"]
    with transaction.atomic(), tenant_scope(p.org):
        assert Account.objects.get(pk=p.account.pk).owner == p.ae2


def test_the_portfolio_row_opens_the_owner_select_on_demand_and_closes_it(world):
    p = world.porta
    client = signed_in(p.lead)
    page = client.get("/o/porta/portfolio/").content.decode()
    assert 'data-testid="reassign-open"' in page and 'data-testid="reassign-form"' not in page
    opened = client.get(
        f"/o/porta/accounts/{p.account.pk}/reassign/?from=portfolio", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert opened.lstrip().startswith(f'<tr id="account-{p.account.pk}"') and 'data-testid="reassign-form"' in opened
    assert re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', opened) == [
        (str(p.ae.pk), " selected", "Ae Porta"),
        (str(p.ae2.pk), "", "Ae2 Porta"),
    ]
    closed = client.get(f"/o/porta/accounts/{p.account.pk}/reassign/?view=1", HTTP_HX_REQUEST="true")
    assert (
        'data-testid="reassign-form"' not in closed.content.decode()
        and 'data-testid="reassign-open"' in closed.content.decode()
    )
    assert closed["Vary"] == "HX-Request, Cookie"
    # without htmx: the account page, whose owner select works without JavaScript
    page = client.get(f"/o/porta/accounts/{p.account.pk}/reassign/").content.decode()
    assert 'data-testid="account-reassign"' in page and "<html" in page


@pytest.mark.parametrize("role", ["ae", "ae2", "finance"])
@pytest.mark.parametrize(
    "ask",
    [
        pytest.param(lambda client, url: client.get(url, HTTP_HX_REQUEST="true"), id="opening the select"),
        # an invalid owner: refused before the form is read, so no select comes back with errors
        pytest.param(
            lambda client, url: client.post(url, {"owner": "nope", "from": "portfolio"}, HTTP_HX_REQUEST="true"),
            id="an invalid reassignment from the row",
        ),
    ],
)
def test_the_owner_select_is_refused_to_who_may_not_reassign(world, role, ask):
    p = world.porta
    client = signed_in(getattr(p, role))
    before = snapshot()
    response = ask(client, f"/o/porta/accounts/{p.account.pk}/reassign/")
    assert (response.status_code, b"reassign-form" in response.content, b"Ae2 Porta" in response.content) == (
        403,
        False,
        False,
    )
    assert snapshot() == before


@pytest.mark.parametrize("role", ["ae", "ae2", "finance"])
def test_only_leads_of_the_team_and_admins_reassign(world, role):
    p = world.porta
    client = signed_in(getattr(p, role))
    before = snapshot()
    response = client.post(f"/o/porta/accounts/{p.account.pk}/reassign/", {"owner": p.ae2.pk})
    assert response.status_code == 403
    assert snapshot() == before


def test_only_finance_sets_the_risk_rating(world):
    p = world.porta
    admin = signed_in(p.admin)
    before = snapshot()
    assert admin.post(f"/o/porta/accounts/{p.account.pk}/risk/", {"risk_rating": "high"}).status_code == 403
    assert snapshot() == before
    assert (
        signed_in(p.finance).post(f"/o/porta/accounts/{p.account.pk}/risk/", {"risk_rating": "high"}).status_code == 302
    )
    with transaction.atomic(), tenant_scope(p.org):
        assert Account.objects.get(pk=p.account.pk).risk_rating == "high"


# --- my day and search ------------------------------------------------------------------------


def test_my_day_lists_my_due_next_steps_incidents_near_sla_and_quiet_accounts(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):  # no activity ever since it started 40 days ago: quiet
        services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Bulk 000",
            owner=p.ae,
            start_date=timezone.localdate() - timedelta(days=40),
        )
    response = signed_in(p.ae).get("/o/porta/my-day/")
    text = response.content.decode()
    assert "Send porta proposal" in text and "Porta delivery late" in text and "Bulk 000" in text
    assert "Send nordwind proposal" not in text


@pytest.mark.parametrize("count", [1, 50])
def test_my_day_takes_the_same_number_of_queries_with_1_and_50_rows(world, count, django_assert_num_queries):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for i in range(count - 1):
            services.activity_log(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                kind="call",
                summary=f"Call {i}",
                next_step=f"Step {i}",
                next_step_due=timezone.localdate(),
            )
    client = signed_in(p.ae)
    client.get("/o/porta/my-day/")
    # user, organisation, membership, settings, next steps, incidents, quiet accounts; plus
    # the tenant transaction's savepoint, setting, reset and release
    with django_assert_num_queries(11):
        response = client.get("/o/porta/my-day/")
    # at most 20 per list: a triage page, not a report
    assert response.content.decode().count("list-group-item px-0 d-flex") == min(count, 20)


def test_search_ignores_case_and_accents_and_shows_only_what_one_may_see(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        from clients import services as client_services

        client_services.client_update(organization=p.org, actor=p.admin, client=p.client, city="Sants-Montjuïc")
    _other_account(world, owner="ae2", team=None, name="Porta Hidden")
    response = signed_in(p.ae).get("/o/porta/search/?q=sants montjuic", HTTP_HX_REQUEST="true")
    assert "Porta Client" in response.content.decode()
    accounts = signed_in(p.ae).get("/o/porta/search/?q=PORTA", HTTP_HX_REQUEST="true").content.decode()
    assert "Porta Account" in accounts and "Porta Hidden" not in accounts
    assert (
        "Porta Hidden" in signed_in(p.finance).get("/o/porta/search/?q=porta", HTTP_HX_REQUEST="true").content.decode()
    )


def _top_bar_search_value(response) -> str:
    return re.search(
        r'<form class="ad-search[^>]*>\s*<input class="form-control form-control-sm" type="search" name="q" value="([^"]*)"',
        response.content.decode(),
    ).group(1)


def test_the_top_bar_search_box_shows_the_search_words_and_not_a_lists_filters(world):
    # given an account executive on a filtered portfolio, and on the search page
    client = signed_in(world.porta.ae)
    # when
    portfolio = client.get("/o/porta/portfolio/?status=active&sort=name")
    searching = client.get("/o/porta/search/?q=porta")
    # then
    assert _top_bar_search_value(portfolio) == ""
    assert _top_bar_search_value(searching) == "porta"


@pytest.mark.parametrize("count", [1, 50])
def test_search_takes_the_same_number_of_queries_with_1_and_50_matches(world, count, django_assert_num_queries):
    _accounts(world, count)
    client = signed_in(world.porta.admin)
    client.get("/o/porta/search/?q=bulk", HTTP_HX_REQUEST="true")
    with django_assert_num_queries(10):
        response = client.get("/o/porta/search/?q=bulk", HTTP_HX_REQUEST="true")
    assert response.content.decode().count('data-testid="search-result"') == min(count, 6)


def test_the_search_page_s_own_box_gets_its_whole_list_as_one_types_and_the_hint_when_emptied(world):
    # given 8 accounts called "Bulk …"
    _accounts(world, 8)
    client = signed_in(world.porta.admin)
    page_box = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-page-results"}
    # when
    typed = client.get("/o/porta/search/?q=bulk", **page_box).content.decode()
    emptied = client.get("/o/porta/search/?q=", **page_box).content.decode()
    top_bar = client.get(
        "/o/porta/search/?q=bulk", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    ).content.decode()
    # then: the page's list holds all 8 (the top bar's, 6); an emptied page box says what to do
    assert (typed.count('data-testid="search-result"'), top_bar.count('data-testid="search-result"')) == (8, 6)
    assert re.findall(r'<div class="list-group-item text-body-secondary small">([^<]*)<', emptied) == [
        "Type at least two letters. "
    ]
    assert "<html" not in typed + emptied


# --- account 360 ---------------------------------------------------------------------------------


def _fill_account(world, n):
    """n activities (with contacts and next steps), contacts, incidents, objectives and team."""
    from clients import services as client_services

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for i in range(n - 1):
            contact = client_services.contact_create(
                organization=p.org, actor=p.admin, client=p.client, full_name=f"Contact {i}"
            )
            services.activity_log(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                kind="call",
                summary=f"Call {i}",
                contact_ids=[contact.pk],
                next_step=f"Step {i}",
                next_step_due=timezone.localdate(),
                next_step_owner=p.ae,
            )
            services.incident_open(
                organization=p.org, actor=p.ae, account=p.account, title=f"Incident {i}", assignee=p.ae2
            )
            services.objective_create(
                organization=p.org,
                actor=p.admin,
                account=p.account,
                metric="custom",
                custom_metric_name=f"Workshops {i}",
                period_start=timezone.localdate().replace(day=1),
                period_end=timezone.localdate() + timedelta(days=30 + i),
                target="10",
            )


@pytest.mark.parametrize("count", [1, 50])
def test_the_account_page_takes_the_same_number_of_queries_with_1_and_50_rows(world, count, django_assert_num_queries):
    _fill_account(world, count)
    client = signed_in(world.porta.ae)
    url = f"/o/porta/accounts/{world.porta.account.pk}/"
    client.get(url)
    # user, organisation, membership; the account, contacts, team, objectives, actuals,
    # activities and their contacts, next steps, incidents, audit events and the people and
    # teams they name, the people offered by the forms, its billing summary, its open offers,
    # its open orders and its late deliveries; plus savepoint, setting, reset, release
    with django_assert_num_queries(24):
        response = client.get(url)
    text = response.content.decode()
    assert text.count('data-testid="activity"') == min(count, 10)
    assert text.count('data-testid="objective"') == count


def test_the_account_page_folds_the_objective_and_incident_forms_until_they_are_asked_for(world):
    p = world.porta
    client = signed_in(p.ae)
    page = client.get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    folds = re.findall(
        r'<div id="(objective|incident)-form" class="collapse" hx-get="([^"]+)" hx-trigger="show.bs.collapse once"',
        page,
    )
    assert folds == [
        ("objective", f"/o/porta/accounts/{p.account.pk}/objectives/"),
        ("incident", f"/o/porta/accounts/{p.account.pk}/incidents/"),
    ]
    assert 'data-testid="objective-form"' not in page and 'data-testid="incident-form"' not in page
    # htmx: the form alone, with the people the incident may be assigned to
    objective = client.get(f"/o/porta/accounts/{p.account.pk}/objectives/", HTTP_HX_REQUEST="true")
    assert objective.content.decode().lstrip().startswith('<form class="border rounded p-3 mt-2" method="post"')
    assert re.findall(r'name="(\w+)"', objective.content.decode()) == [
        "csrfmiddlewaretoken",
        "metric",
        "custom_metric_name",
        "period_start",
        "period_end",
        "target",
        "tolerance_pct",
    ]
    assert objective["Vary"] == "HX-Request, Cookie"
    incident = client.get(f"/o/porta/accounts/{p.account.pk}/incidents/", HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'name="(\w+)"', incident) == [
        "csrfmiddlewaretoken",
        "title",
        "description",
        "severity",
        "assignee",
    ]
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', incident.split('name="assignee"')[1]) == [
        ("", "Choose a person"),
        (str(p.admin.pk), "Admin Porta"),
        (str(p.ae.pk), "Ae Porta"),
        (str(p.ae2.pk), "Ae2 Porta"),
        (str(p.finance.pk), "Finance Porta"),
        (str(p.lead.pk), "Lead Porta"),
    ]
    # without htmx: the account page with the form open
    opened = client.get(f"/o/porta/accounts/{p.account.pk}/incidents/").content.decode()
    assert (
        "<html" in opened
        and '<div id="incident-form" class="collapse show"' in opened
        and 'data-testid="incident-form"' in opened
    )


@pytest.mark.parametrize(
    ("role", "hidden", "status"),
    [
        pytest.param("finance", False, 403, id="finance sees the account but does not change it"),
        pytest.param("ae2", False, 403, id="an account executive of the team who does not own it"),
        pytest.param("ae", True, 404, id="an account one does not see"),
    ],
)
def test_the_objective_form_is_refused_to_who_may_not_change_the_account(world, role, hidden, status):
    p = world.porta
    account = _other_account(world, owner="ae2", team=None) if hidden else p.account
    client = signed_in(getattr(p, role))
    before = snapshot()
    response = client.get(f"/o/porta/accounts/{account.pk}/objectives/", HTTP_HX_REQUEST="true")
    assert (response.status_code, b'name="metric"' in response.content) == (status, False)
    assert snapshot() == before


def test_an_objective_ending_before_it_starts_is_shown_on_the_open_form_and_not_written(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/accounts/{p.account.pk}/objectives/",
        {
            "metric": "won_offers",
            "period_start": "2026-03-31",
            "period_end": "2026-03-01",
            "target": "5",
            "tolerance_pct": "10",
        },
    )
    text = response.content.decode()
    assert (response.status_code, '<div id="objective-form" class="collapse show"' in text) == (400, True)
    assert re.findall(r'<div class="invalid-feedback d-block">([^<]+)</div>', text) == [
        "The period cannot end before it starts."
    ]
    assert 'type="date" name="period_start" value="2026-03-31"' in text
    assert unchanged


def test_a_second_objective_for_the_same_period_is_refused_on_the_open_form_and_not_written(world):
    # given the world's objective: revenue invoiced over this quarter
    p = world.porta
    start, end = p.objective.period_start, p.objective.period_end
    client = signed_in(p.ae)
    before = snapshot()
    # when
    response = client.post(
        f"/o/porta/accounts/{p.account.pk}/objectives/",
        {
            "metric": "revenue_invoiced",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "target": "5",
            "tolerance_pct": "10",
        },
        HTTP_HX_REQUEST="true",
    )
    # then
    text = response.content.decode()
    assert (response.status_code, '<div id="objective-form" class="collapse show"' in text) == (400, True)
    assert re.findall(r'<div class="invalid-feedback d-block">([^<]+)</div>', text) == [
        "Already set for this period: change that objective instead."
    ]
    assert snapshot() == before


def _controls(html: str) -> tuple[int, int]:
    """(Edit links on the timeline, "mark done" buttons on the next steps) of a page or partial."""
    return len(re.findall(r'<a class="small" href="/o/porta/activities/\d+/\?edit=1"', html)), html.count(
        'formaction="/o/porta/activities/'
    )


def test_the_account_page_offers_edit_and_mark_done_only_to_who_may_use_them(world):
    # given: ae owns the account and logged its activity (next step theirs); ae2 is on the
    # account team and logs one of their own; finance sees every account and edits none
    p = world.porta
    _fill_account(world, 2)
    with transaction.atomic(), tenant_scope(p.org):
        services.activity_log(
            organization=p.org,
            actor=p.ae2,
            account=p.account,
            kind="note",
            summary="Ae2's note",
            next_step="Ae2's step",
            next_step_due=timezone.localdate(),
            next_step_owner=p.ae2,
        )
    url = f"/o/porta/accounts/{p.account.pk}/"
    # when
    seen = {
        who: _controls(signed_in(getattr(p, who)).get(url).content.decode())
        for who in ("ae", "ae2", "finance", "lead", "admin")
    }
    # then: 3 activities and 3 open next steps on the page (two by ae, one by ae2)
    assert seen == {"ae": (3, 3), "ae2": (1, 1), "finance": (0, 0), "lead": (3, 3), "admin": (3, 3)}
    # and what each may not use answers 403, as before
    with transaction.atomic(), tenant_scope(p.org):
        someone_elses = Activity.objects.filter(account=p.account, created_by=p.ae).order_by("pk").first()
    assert (
        signed_in(p.finance).get(f"/o/porta/activities/{someone_elses.pk}/?edit=1", HTTP_HX_REQUEST="true").status_code
        == 403
    )


def test_the_older_timeline_offers_edit_only_to_who_may_use_it(world):
    # given 14 activities by ae: the older page holds 4
    p = world.porta
    _fill_account(world, 14)
    with transaction.atomic(), tenant_scope(p.org):
        oldest_shown = Activity.objects.filter(account=p.account).order_by("-occurred_at", "-id")[9]
    url = f"/o/porta/accounts/{p.account.pk}/activities/?before={oldest_shown.pk}"
    # when / then
    assert [
        _controls(signed_in(getattr(p, who)).get(url, HTTP_HX_REQUEST="true").content.decode())
        for who in ("ae", "finance")
    ] == [(4, 0), (0, 0)]


def test_older_activity_loads_the_next_page_of_the_timeline_as_a_partial(world):
    # given 14 activities: the page shows 10 and offers the older ones
    p = world.porta
    _fill_account(world, 14)
    client = signed_in(p.ae)
    page = client.get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    shown = re.findall(r'<li id="activity-(\d+)" data-testid="activity">', page)
    more = re.search(r'hx-get="(/o/porta/accounts/\d+/activities/\?before=\d+)"', page).group(1)
    # when
    older = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    # then the other 4, oldest last, and no button for more
    rest = re.findall(r'<li id="activity-(\d+)" data-testid="activity">', older)
    with transaction.atomic(), tenant_scope(p.org):
        everything = [
            str(pk)
            for pk in Activity.objects.filter(account=p.account)
            .order_by("-occurred_at", "-id")
            .values_list("pk", flat=True)
        ]
    assert (shown + rest, len(shown), "<html" in older, "timeline-more" in older) == (everything, 10, False, False)


def test_an_ae_logs_a_visit_with_a_next_step_inline(world):
    p = world.porta
    when = timezone.localtime(
        timezone.now() - timedelta(hours=1), timezone=__import__("zoneinfo").ZoneInfo("Europe/Madrid")
    ).strftime("%Y-%m-%dT%H:%M")
    response = signed_in(p.ae).post(
        f"/o/porta/accounts/{p.account.pk}/activities/",
        {
            "kind": "visit",
            "occurred_at": when,
            "duration_minutes": "45",
            "summary": "Visited the Girona shop",
            "contact_ids": [p.contact.pk],
            "next_step": "Send the quote",
            "next_step_due": "2026-11-25",
            "next_step_owner": p.ae.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response.content.lstrip().startswith(b'<div id="work"')
    assert b"Visited the Girona shop" in response.content and b"Send the quote" in response.content
    with transaction.atomic(), tenant_scope(p.org):
        activity = Activity.objects.get(summary="Visited the Girona shop")
        contacts = list(activity.contacts.values_list("pk", flat=True))
        account = Account.objects.get(pk=p.account.pk)
    assert (activity.duration_minutes, activity.next_step_owner_id, contacts) == (45, p.ae.pk, [p.contact.pk])
    assert account.last_activity_at == activity.occurred_at


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": "1441"}, "The duration is between 0 minutes and a day (1440)."),
        ({"duration_minutes": "-5"}, "The duration is between 0 minutes and a day (1440)."),
        ({"summary": ""}, "This field is required."),
        ({"next_step_due": ""}, "Give the next step a due date."),
    ],
)
def test_a_bad_activity_shows_the_error_on_the_form_and_writes_nothing(world, changes, message):
    p = world.porta
    client = signed_in(p.ae)
    before = snapshot()
    data = {
        "kind": "visit",
        "occurred_at": "2026-11-20T10:30",
        "duration_minutes": "45",
        "summary": "Visit",
        "next_step": "Quote",
        "next_step_due": "2026-11-25",
        "next_step_owner": p.ae.pk,
    } | changes
    response = client.post(f"/o/porta/accounts/{p.account.pk}/activities/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and response.content.lstrip().startswith(b'<form id="activity-form"')
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_contact_of_another_client_cannot_be_on_an_activity(world):
    from clients import services as client_services

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        other = client_services.client_create(
            organization=p.org, actor=p.admin, legal_name="Other SL", tax_id="B63272603", country="ES"
        )
        stranger = client_services.contact_create(organization=p.org, actor=p.admin, client=other, full_name="Stranger")
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/accounts/{p.account.pk}/activities/",
        {
            "kind": "call",
            "occurred_at": "2026-11-20T10:30",
            "duration_minutes": "5",
            "summary": "Call",
            "contact_ids": [stranger.pk],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert unchanged


def test_the_account_page_shows_the_audit_trail_with_names(world):
    p = world.porta
    signed_in(p.lead).post(f"/o/porta/accounts/{p.account.pk}/reassign/", {"owner": p.ae2.pk})
    text = signed_in(p.admin).get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    assert "reassigned the account" in text and "Ae Porta → Ae2 Porta" in text
    # who did it, by name
    assert (
        re.findall(r'data-testid="audit-event" data-event="\d+"><div><span class="fw-semibold">([^<]*)</span>', text)[0]
        == "Lead Porta"
    )


def test_older_changes_load_the_next_page_of_the_audit_trail_as_a_partial(world):
    # given 25 more changes to the account: the page shows the 20 newest of the trail
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for days in range(31, 56):
            services.account_update(
                organization=p.org, actor=p.admin, account=Account.objects.get(pk=p.account.pk), payment_terms_days=days
            )
        trail = [
            str(pk)
            for pk in selectors.account_audit_events(
                organization=p.org, account=p.account, objective_ids=[p.objective.pk]
            ).values_list("pk", flat=True)
        ]
    client = signed_in(p.ae)
    page = client.get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    shown = re.findall(r'data-testid="audit-event" data-event="(\d+)"', page)
    more = re.search(r'hx-get="(/o/porta/accounts/\d+/audit/\?before=\d+)"', page).group(1)
    # when
    older = client.get(more, HTTP_HX_REQUEST="true")
    # then the rest of the trail, oldest last, and no button for more
    rest = re.findall(r'data-testid="audit-event" data-event="(\d+)"', older.content.decode())
    assert (
        shown + rest,
        len(shown),
        len(trail),
        "<html" in older.content.decode(),
        "audit-more" in older.content.decode(),
    ) == (trail, 20, 30, False, False)
    assert "payment terms (days):</span> 31 → 32" in older.content.decode() and older["Vary"] == "HX-Request, Cookie"
    # without htmx: the account page
    assert client.get(more).url == f"/o/porta/accounts/{p.account.pk}/"


def test_an_event_of_another_trail_gives_no_older_changes(world):
    p = world.porta
    other = _other_account(world, owner="ae", team=None)
    with transaction.atomic(), tenant_scope(p.org):
        foreign = selectors.account_audit_events(organization=p.org, account=other).values_list("pk", flat=True).first()
        nordwind = world.nordwind
    with transaction.atomic(), tenant_scope(nordwind.org):
        from tenancy.models import AuditEvent

        elsewhere = AuditEvent.objects.order_by("id").values_list("pk", flat=True).first()
    client = signed_in(p.ae)
    for before in (foreign, elsewhere):
        response = client.get(f"/o/porta/accounts/{p.account.pk}/audit/?before={before}", HTTP_HX_REQUEST="true")
        assert (
            response.status_code,
            re.findall(r'data-testid="audit-event"', response.content.decode()),
            "audit-more" in response.content.decode(),
        ) == (200, [], False)


def test_incidents_list_puts_the_overdue_first(world):
    from accounts.models import Incident

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        late = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Late one", severity="low"
        )
        Incident.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
        services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Fresh one", severity="critical"
        )
    import re

    titles = re.findall(
        r'incident_detail|href="/o/porta/incidents/\d+/">([^<]+)<',
        signed_in(p.ae).get("/o/porta/incidents/").content.decode(),
    )
    assert [t for t in titles if t] == ["Late one", "Fresh one", "Porta delivery late"]


def test_the_incidents_status_filter_tells_any_open_status_from_the_status_open(world):
    # given: an incident open, one in progress, one resolved
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Being fixed", severity="low", status="in_progress"
        )
        services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Fixed", severity="low", status="resolved"
        )
    client = signed_in(p.ae)

    def titles(query):
        return sorted(
            re.findall(
                r'href="/o/porta/incidents/\d+/">([^<]+)<', client.get(f"/o/porta/incidents/{query}").content.decode()
            )
        )

    # when / then
    assert [titles(q) for q in ("", "?status=unresolved", "?status=open", "?status=in_progress", "?status=")] == [
        ["Being fixed", "Porta delivery late"],
        ["Being fixed", "Porta delivery late"],
        ["Porta delivery late"],
        ["Being fixed"],
        ["Being fixed", "Fixed", "Porta delivery late"],
    ]
    options = re.findall(
        r'<option value="([^"]*)"',
        re.search(
            r'<select name="status"[^>]*>(.*?)</select>', client.get("/o/porta/incidents/").content.decode(), re.S
        ).group(1),
    )
    assert options == ["", "unresolved", "open", "in_progress", "waiting_on_client", "resolved", "closed"]


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("es", "1500,50", "1500.50"),
        ("es", "1.500,50", "1500.50"),
        ("es", "1 500,50", "1500.50"),  # grouped with a space, as some people write it
        ("es", "1500.5", "1500.50"),  # a decimal point, never 15005
        ("ca", "1.500", "1500.00"),
        ("en", "1,500.50", "1500.50"),
        ("en", "1500.5", "1500.50"),
    ],
)
def test_an_actual_is_typed_the_way_the_person_writes_numbers(world, language, typed, stored):
    # given: the objective has its one actual of the world, of today
    from accounts.models import ObjectiveActual

    p = world.porta
    p.ae.user.language = language
    p.ae.user.save(update_fields=["language"])
    yesterday = timezone.localdate() - timedelta(days=1)
    if yesterday < p.objective.period_start:  # the first of a month: the period starts today
        with transaction.atomic(), tenant_scope(p.org):
            type(p.objective).objects.filter(pk=p.objective.pk).update(period_start=yesterday.replace(day=1))
    # when
    response = signed_in(p.ae).post(
        f"/o/porta/objectives/{p.objective.pk}/actuals/", {"as_of": yesterday.isoformat(), "value": typed}
    )
    # then
    with transaction.atomic(), tenant_scope(p.org):
        values = [
            str(v)
            for v in ObjectiveActual.objects.filter(objective=p.objective)
            .order_by("as_of")
            .values_list("value", flat=True)
        ]
    assert (response.status_code, values) == (302, [stored, "4000.00"])


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("en", "12,500.50", "12500.50"),
        ("es", "12.500,50", "12500.50"),
        ("es", "12500.5", "12500.50"),  # a decimal point, never 125005
        ("ca", "12.500,50", "12500.50"),
        ("ca", "12 500", "12500.00"),
    ],
)
def test_a_credit_limit_is_typed_the_way_the_person_writes_numbers(world, language, typed, stored):
    # given: ae reads `language`; the account's credit limit is 15,000.00
    p = world.porta
    p.ae.user.language = language
    p.ae.user.save(update_fields=["language"])
    client = signed_in(p.ae)
    with transaction.atomic(), tenant_scope(p.org):
        account = Account.objects.get(pk=p.account.pk)
    # when
    response = client.post(
        f"/o/porta/accounts/{account.pk}/edit/",
        {
            "name": account.name,
            "sales_team": account.sales_team_id or "",
            "currency": account.currency,
            "payment_terms_days": account.payment_terms_days,
            "credit_limit": typed,
            "tier": account.tier,
            "status": account.status,
            "start_date": account.start_date.isoformat(),
        },
    )
    # then
    with transaction.atomic(), tenant_scope(p.org):
        credit_limit = str(Account.objects.get(pk=account.pk).credit_limit)
    assert (response.status_code, credit_limit) == (302, stored)


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("en", "12,500.50", "12500.50"),
        ("es", "12.500,50", "12500.50"),
        ("ca", "12.500,50", "12500.50"),
        ("ca", "1300.5", "1300.50"),
    ],
)
def test_a_target_is_typed_the_way_the_person_writes_numbers(world, language, typed, stored):
    # given: ae reads `language`
    from accounts.models import Objective

    p = world.porta
    p.ae.user.language = language
    p.ae.user.save(update_fields=["language"])
    # when
    response = signed_in(p.ae).post(
        f"/o/porta/accounts/{p.account.pk}/objectives/",
        {
            "metric": "amount_collected",
            "period_start": p.objective.period_start.isoformat(),
            "period_end": p.objective.period_end.isoformat(),
            "target": typed,
            "tolerance_pct": "7,5" if language != "en" else "7.5",
        },
    )
    # then
    with transaction.atomic(), tenant_scope(p.org):
        saved = list(
            Objective.objects.filter(account_id=p.account.pk, metric="amount_collected").values_list(
                "target", "tolerance_pct"
            )
        )
    assert (response.status_code, [(str(t), str(pct)) for t, pct in saved]) == (302, [(stored, "7.50")])


def test_the_account_form_shows_the_credit_limit_as_the_person_writes_it(world):
    p = world.porta
    p.ae.user.language = "es"
    p.ae.user.save(update_fields=["language"])
    page = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/edit/").content.decode()
    assert re.findall(r'<input type="text" name="credit_limit" value="([^"]*)" inputmode="decimal"', page) == [
        "15.000,00"
    ]


def test_a_refused_actual_comes_back_on_its_card_with_what_was_typed_and_why(world):
    # given: ae reads Spanish
    p = world.porta
    p.ae.user.language = "es"
    p.ae.user.save(update_fields=["language"])
    client = signed_in(p.ae)
    before = snapshot()
    # when
    response = client.post(
        f"/o/porta/objectives/{p.objective.pk}/actuals/", {"as_of": timezone.localdate().isoformat(), "value": "mil"}
    )
    # then: the account page, the typed value kept and marked, the reason under it
    text = response.content.decode()
    assert response.status_code == 400
    assert re.findall(
        r'<input class="form-control form-control-sm is-invalid"[^>]*name="value" value="([^"]*)"', text
    ) == ["mil"]
    assert re.findall(
        r'<div class="col-12 invalid-feedback d-block" id="actual-errors-(\d+)" data-testid="actual-errors">([^<]*)</div>',
        text,
    ) == [(str(p.objective.pk), "Valor real: Introduzca un número.")]
    assert snapshot() == before


def test_the_xlsx_export_writes_dates_in_the_persons_time_zone_and_money_as_numbers(world):
    sheet = openpyxl.load_workbook(
        io.BytesIO(signed_in(world.porta.admin).get("/o/porta/portfolio/export.xlsx").content)
    ).active
    header, row = list(sheet.values)[:2]
    with transaction.atomic(), tenant_scope(world.porta.org):
        last = Account.objects.get(pk=world.porta.account.pk).last_activity_at
    assert (row[0], row[8], row[10]) == (
        "Porta Account",
        15000,
        timezone.localtime(last, timezone=__import__("zoneinfo").ZoneInfo("Europe/Madrid")).replace(
            tzinfo=None, microsecond=row[10].microsecond
        ),
    )


def test_the_csv_export_writes_moments_in_the_persons_time_zone_to_the_minute_and_money_as_digits(world):
    rows = list(
        csv.reader(
            io.StringIO(signed_in(world.porta.admin).get("/o/porta/portfolio/export.csv").content.decode("utf-8-sig"))
        )
    )
    with transaction.atomic(), tenant_scope(world.porta.org):
        last = Account.objects.get(pk=world.porta.account.pk).last_activity_at
    madrid = timezone.localtime(last, timezone=__import__("zoneinfo").ZoneInfo("Europe/Madrid"))
    row = next(r for r in rows if r[0] == "Porta Account")
    assert (row[8], row[9], row[10]) == ("15000.00", "30", madrid.strftime("%Y-%m-%d %H:%M"))


def test_the_incidents_export_holds_exactly_the_listed_rows_overdue_first(world):
    from accounts.models import Incident

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        late = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="=Late one", severity="low"
        )
        Incident.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
        done = services.incident_open(organization=p.org, actor=p.ae, account=p.account, title="Done one")
        services.incident_update(organization=p.org, actor=p.ae, incident=done, status="resolved")
    rows = list(
        csv.reader(io.StringIO(signed_in(p.ae).get("/o/porta/incidents/export.csv").content.decode("utf-8-sig")))
    )
    assert [(r[0], r[3], r[4], r[9]) for r in rows] == [
        ("Incident", "Severity", "Status", "Past its SLA"),
        ("'=Late one", "Low", "Open", "yes"),
        ("Porta delivery late", "High", "Open", "no"),
    ]


def test_someone_who_may_see_but_not_change_an_account_gets_403_on_its_edit_form(world):
    p = world.porta
    assert signed_in(p.finance).get(f"/o/porta/accounts/{p.account.pk}/edit/").status_code == 403
    assert signed_in(p.ae2).get(f"/o/porta/activities/{p.activity.pk}/?edit=1").status_code == 403
    assert signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/edit/").status_code == 200


def test_a_refused_action_says_why_instead_of_failing(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        plain = services.activity_log(
            organization=p.org, actor=p.ae, account=p.account, kind="note", summary="A note without a next step"
        )
    client = signed_in(p.ae)
    before = snapshot()
    response = client.post(
        f"/o/porta/activities/{plain.pk}/done/", HTTP_REFERER=f"http://testserver/o/porta/accounts/{p.account.pk}/"
    )
    assert (response.status_code, response["Location"]) == (302, f"http://testserver/o/porta/accounts/{p.account.pk}/")
    assert "This activity has no next step." in client.get(response["Location"]).content.decode()
    assert snapshot() == before


def test_a_lead_opens_accounts_for_others_only_in_the_teams_they_lead(world):
    from config.errors import ApplicationError

    p = world.porta
    before = snapshot()
    with (
        pytest.raises(ApplicationError, match="You can open accounts for others only in the teams you lead."),
        transaction.atomic(),
        tenant_scope(p.org),
    ):
        services.account_create(organization=p.org, actor=p.lead, client=p.client, name="Orphan", owner=p.ae)
    assert snapshot() == before
    with transaction.atomic(), tenant_scope(p.org):
        account = services.account_create(
            organization=p.org, actor=p.lead, client=p.client, name="Team one", owner=p.ae, sales_team=p.team
        )
    assert account.sales_team_id == p.team.pk


def test_an_account_stays_with_its_client(world):
    from config.errors import ApplicationError

    p = world.porta
    before = snapshot()
    with (
        pytest.raises(ApplicationError, match="An account stays with its client"),
        transaction.atomic(),
        tenant_scope(p.org),
    ):
        services.account_update(organization=p.org, actor=p.admin, account=p.account, client=p.client)
    assert snapshot() == before


def _attributes(tag: str) -> dict[str, str | None]:
    """An HTML tag's attributes, in any order: name -> value (None for a bare one)."""
    found = {}

    class Tag(HTMLParser):
        def handle_starttag(self, name, attrs):
            found.update(attrs)

    Tag().feed(tag)
    return found


@pytest.mark.parametrize("language", ["en", "es", "ca"])
def test_edit_forms_keep_their_saved_dates_in_every_language(world, language):
    # given: the account's start date, the activity's next-step due date, someone reading in `language`
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        started = Account.objects.get(pk=p.account.pk).start_date
    client = signed_in(p.ae)
    session = client.session
    session["language"] = language
    session.save()
    # when
    account_form = client.get(f"/o/porta/accounts/{p.account.pk}/edit/").content.decode()
    activity_form = client.get(f"/o/porta/activities/{p.activity.pk}/?edit=1").content.decode()
    # then: the browser's date pickers get ISO dates, which they show in the reader's format
    assert [_attributes(tag) for tag in re.findall(r'<input[^>]*name="start_date"[^>]*>', account_form)] == [
        {
            "class": "form-control",
            "id": "id_start_date",
            "name": "start_date",
            "required": None,
            "type": "date",
            "value": started.isoformat(),
        }
    ]
    assert re.findall(r'name="a\d+-next_step_due"[^>]*value="([^"]*)"', activity_form) == [
        timezone.localdate().isoformat()
    ]


@pytest.mark.parametrize(
    ("language", "heading", "overdue"),
    [
        ("en", "{weekday} {day} {month} {year}", "SLA passed"),
        ("es", "{weekday}, {day} de {month} de {year}", "SLA vencido"),
        ("ca", "{weekday}, {day} {month} de {year}", "SLA vençut"),
    ],
)
def test_my_day_s_date_and_an_overdue_incident_read_naturally_in_every_language(world, language, heading, overdue):
    # given: the world's incident, past its SLA
    from django.utils import translation
    from django.utils.formats import date_format

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        Incident = p.incident.__class__
        Incident.objects.filter(pk=p.incident.pk).update(sla_due_at=timezone.now() - timedelta(hours=3))
    client = signed_in(p.ae)
    session = client.session
    session["language"] = language
    session.save()
    # when
    my_day = client.get("/o/porta/my-day/").content.decode()
    incident = client.get(f"/o/porta/incidents/{p.incident.pk}/").content.decode()
    # then
    today = timezone.localdate()
    with translation.override(language):
        month = date_format(today, "F")
        if language == "ca":  # "6 de desembre", "6 d’abril": Catalan's "de" before the month, elided before a vowel
            month = f"d’{month}" if month[0] in "aeiou" else f"de {month}"
        expected = heading.format(weekday=date_format(today, "l"), day=today.day, month=month, year=today.year)
    assert re.findall(r'<p class="text-body-secondary mb-0">([^<]*)</p></div></div>', my_day) == [
        expected[0].upper() + expected[1:]
    ]
    assert re.findall(r'<span class="badge text-bg-danger"><i class="bi bi-alarm"></i> ([^<]*)</span>', incident) == [
        overdue
    ]


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Visit · {when} · 60 minutes"),
        ("es", "Visita · {when} · 60 minutos"),
        ("ca", "Visita · {when} · 60 minuts"),
    ],
)
def test_the_timeline_says_when_and_how_long_in_the_persons_language(world, language, shown):
    # given: the world's visit of 60 minutes, two days ago
    from django.utils.formats import date_format

    p = world.porta
    p.ae.user.language = language
    p.ae.user.save(update_fields=["language"])
    # when
    page = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    # then
    with translation.override(language), timezone.override("Europe/Madrid"):
        when = date_format(timezone.localtime(p.activity.occurred_at), "SHORT_DATETIME_FORMAT")
    assert re.findall(
        rf'<li id="activity-{p.activity.pk}" data-testid="activity">.*?<div class="small text-body-secondary">([^<]*) · Ae Porta</div>',
        page,
        re.S,
    ) == [shown.format(when=when)]


def test_the_team_form_offers_only_people_who_are_not_on_the_account_already(world):
    # given: ae owns the account, ae2 is on its team
    p = world.porta
    # when
    page = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/").content.decode()
    # then
    [team_select] = re.findall(r'<select name="membership"[^>]*>(.*?)</select>', page, re.S)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", team_select) == [
        "Choose a person",
        "Admin Porta",
        "Finance Porta",
        "Lead Porta",
    ]


def test_an_actual_outside_the_period_says_why_first_and_which_dates_fit(world):
    p = world.porta
    client = signed_in(p.ae)
    start, end = p.objective.period_start, p.objective.period_end
    # when
    response = client.post(
        f"/o/porta/objectives/{p.objective.pk}/actuals/",
        {"as_of": (start - timedelta(days=1)).isoformat(), "value": "10"},
    )
    # then
    assert re.findall(r'data-testid="actual-errors">([^<]*)</div>', response.content.decode()) == [
        # the dates in the reader's format, as the page shows them
        f"The date must be inside the objective&#x27;s period. As of: Between {start:%d/%m/%Y} and {end:%d/%m/%Y}."
    ]


def test_a_form_s_address_opened_in_the_browser_says_so_instead_of_an_empty_405(world):
    # given: the account team form's address, which takes only POST
    p = world.porta
    client = signed_in(p.ae)
    before = snapshot()
    # when
    response = client.get(f"/o/porta/accounts/{p.account.pk}/team/")
    # then: a page of the organisation, saying what to do; the Allow header kept; nothing written
    text = response.content.decode()
    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert re.findall(r"<title>([^<]*)</title>", text) == ["Not here · AccountDesk"]
    assert "This address is not a page: it takes what a form on its page sends. Go back to that page." in text
    assert snapshot() == before


# --- issue 11 ------------------------------------------------------------------------------------


def _options(html: str, name: str) -> list[tuple[str, str]]:
    """A select's options (value, text), by the select's name."""
    [select] = re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def _selected(html: str, name: str) -> list[str]:
    [select] = re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)" selected', select)


def _theirs(world) -> Account:
    """An account of ae2 in a team the lead does not lead: ae and the lead do not see it."""
    from tenancy import services as tenancy_services

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        north = tenancy_services.team_create(organization=p.org, actor=p.admin, name="Team North", members=[])
    return _other_account(world, owner="ae2", team=north, name="Theirs")


def test_next_steps_and_incidents_are_offered_only_to_people_who_see_the_account(world):
    # given: on ae2's account in Team North, admin, finance and ae2 see it; ae and the lead do not
    p = world.porta
    theirs = _theirs(world)
    client = signed_in(p.ae2)
    # when
    page = client.get(f"/o/porta/accounts/{theirs.pk}/").content.decode()
    incident_form = client.get(f"/o/porta/accounts/{theirs.pk}/incidents/", HTTP_HX_REQUEST="true").content.decode()
    # then
    seers = [(str(p.admin.pk), "Admin Porta"), (str(p.ae2.pk), "Ae2 Porta"), (str(p.finance.pk), "Finance Porta")]
    assert _options(page, "next_step_owner") == [("", "Choose a person")] + seers
    assert _options(incident_form, "assignee") == [("", "Choose a person")] + seers
    # and the account team may still take anyone
    assert [name for _v, name in _options(page, "membership")] == [
        "Choose a person",
        "Admin Porta",
        "Ae Porta",
        "Finance Porta",
        "Lead Porta",
    ]


def test_a_next_step_for_someone_who_cannot_see_the_account_stays_on_the_form_with_why(world):
    p = world.porta
    theirs = _theirs(world)
    response, unchanged = post_unchanged(
        p.ae2,
        f"/o/porta/accounts/{theirs.pk}/activities/",
        {
            "kind": "call",
            "occurred_at": "2026-11-20T10:30",
            "duration_minutes": "5",
            "summary": "Call",
            "next_step": "Send the offer",
            "next_step_due": "2026-11-25",
            "next_step_owner": p.ae.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert response.status_code == 400 and text.lstrip().startswith('<form id="activity-form"')
    assert re.findall(r'<div class="alert alert-danger py-2">([^<]*)</div>', text) == [
        "Ae Porta cannot see this account: choose someone who can."
    ]
    assert "Choose someone who can see this account." in text
    assert 'value="Send the offer"' in text
    assert unchanged


def test_reassigning_says_that_the_previous_owner_s_open_next_steps_go_to_the_new_owner(world):
    p = world.porta
    response = signed_in(p.lead).post(
        f"/o/porta/accounts/{p.account.pk}/reassign/", {"owner": p.ae2.pk, "from": "portfolio"}, HTTP_HX_REQUEST="true"
    )
    assert (
        "Porta Account now belongs to Ae2 Porta. The open next step of Ae Porta on it is now theirs."
        in response["HX-Trigger"]
    )
    with transaction.atomic(), tenant_scope(p.org):
        assert Activity.objects.get(pk=p.activity.pk).next_step_owner == p.ae2


def test_the_new_account_form_offers_an_account_executive_only_themselves_and_their_team(world):
    # when
    page = signed_in(world.porta.ae).get("/o/porta/accounts/new/").content.decode()
    # then
    p = world.porta
    assert _options(page, "owner") == [("", "Choose a person"), (str(p.ae.pk), "Ae Porta")]
    assert (_selected(page, "owner"), _selected(page, "sales_team")) == ([str(p.ae.pk)], [str(p.team.pk)])


def test_the_new_account_form_defaults_the_sales_team_from_the_chosen_owner(world):
    # given: an admin, who may choose any account executive; choosing one asks the form again
    p = world.porta
    client = signed_in(p.admin)
    # when
    blank = client.get("/o/porta/accounts/new/").content.decode()
    chosen = client.get(f"/o/porta/accounts/new/?owner={p.ae2.pk}", HTTP_HX_REQUEST="true").content.decode()
    # then
    assert [name for _v, name in _options(blank, "owner")] == ["Choose a person", "Ae Porta", "Ae2 Porta"]
    assert (_selected(blank, "sales_team"), _selected(chosen, "sales_team")) == ([""], [str(p.team.pk)])  # "No team"
    [owner_select] = re.findall(r'<select[^>]*name="owner"[^>]*>', blank)
    assert re.findall(r'hx-get="([^"]*)"', owner_select) == ["/o/porta/accounts/new/"]


def test_a_lead_s_refused_new_account_stays_on_the_form_with_what_was_typed(world):
    # given: the lead opens an account for ae without a team (only in the teams they lead)
    p = world.porta
    client = signed_in(p.lead)
    before = snapshot()
    # when
    response = client.post(
        "/o/porta/accounts/new/",
        {
            "client": p.client.pk,
            "name": "Girona Store",
            "owner": p.ae.pk,
            "sales_team": "",
            "currency": "EUR",
            "payment_terms_days": "45",
            "credit_limit": "1000",
            "tier": "key",
            "status": "active",
            "start_date": "2026-01-15",
        },
    )
    # then: not a 403 page; the form, with why and all that was typed
    text = response.content.decode()
    assert response.status_code == 400 and 'data-testid="account-form"' in text
    assert re.findall(r'<div class="alert alert-danger py-2" role="alert">([^<]*)</div>', text) == [
        "You can open accounts for others only in the teams you lead."
    ]
    assert 'value="Girona Store"' in text and 'value="45"' in text
    assert snapshot() == before


def _team_late(world):
    """On porta's account (Team Porta, owned by ae): ae's next step overdue since yesterday and
    ae's incident past its SLA."""
    from accounts.models import Incident

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        Activity.objects.filter(pk=p.activity.pk).update(next_step_due=timezone.localdate() - timedelta(days=1))
        Incident.objects.filter(pk=p.incident.pk).update(sla_due_at=timezone.now() - timedelta(hours=2))


def test_a_lead_s_my_day_has_their_team_s_late_incidents_and_next_steps_in_a_section_of_its_own(world):
    # given
    _team_late(world)
    p = world.porta
    # when
    lead = signed_in(p.lead).get("/o/porta/my-day/").content.decode()
    ae = signed_in(p.ae).get("/o/porta/my-day/").content.decode()
    # then: the lead's team section; none for an account executive
    [team] = re.findall(r'<div class="row g-3" id="my-team" data-testid="my-team">(.*)', lead, re.S)
    assert re.findall(r'data-testid="team-incidents">\s*<li[^>]*><a[^>]*>\s*<div[^>]*>([^<]*)<', team) == [
        "Porta delivery late "
    ]
    assert re.findall(r'data-testid="team-next-steps">\s*<li[^>]*><a[^>]*>\s*<div[^>]*>([^<]*)<', team) == [
        "Send porta proposal"
    ]
    assert 'data-testid="my-team"' not in ae


@pytest.mark.parametrize("count", [1, 50])
def test_a_lead_s_my_day_takes_the_same_number_of_queries_with_1_and_50_rows(world, count, django_assert_num_queries):
    # given: count late next steps and incidents of ae on the lead's team's account
    from accounts.models import Incident

    p = world.porta
    _team_late(world)
    with transaction.atomic(), tenant_scope(p.org):
        for i in range(count - 1):
            services.activity_log(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                kind="call",
                summary=f"Call {i}",
                next_step=f"Step {i}",
                next_step_due=timezone.localdate() - timedelta(days=1),
            )
            late = services.incident_open(
                organization=p.org, actor=p.ae, account=p.account, title=f"Late {i}", assignee=p.ae
            )
            Incident.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
    client = signed_in(p.lead)
    client.get("/o/porta/my-day/")
    # an account executive's 11 (see above), and the team's incidents and next steps
    with django_assert_num_queries(13):
        response = client.get("/o/porta/my-day/")
    text = response.content.decode()
    assert (text.count('data-testid="team-incidents"'), len(re.findall(r"Late \d+|Porta delivery late", text))) == (
        1,
        min(count, 20),
    )


def test_an_activity_dated_before_1900_stays_on_the_form_with_why(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/accounts/{p.account.pk}/activities/",
        {"kind": "call", "occurred_at": "0001-01-01T00:00", "duration_minutes": "5", "summary": "Old call"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', response.content.decode()) == [
        "Enter a date from 1900 to 2100."
    ]
    assert unchanged


@pytest.mark.parametrize("before", ["²", "-1", "x", "99999999999999999999"])
def test_an_older_page_asked_with_a_before_that_is_not_an_id_does_not_fail(world, before):
    p = world.porta
    client = signed_in(p.ae)
    activities = client.get(f"/o/porta/accounts/{p.account.pk}/activities/?before={before}", HTTP_HX_REQUEST="true")
    audit = client.get(f"/o/porta/accounts/{p.account.pk}/audit/?before={before}", HTTP_HX_REQUEST="true")
    # the first page of the timeline; the account page for the trail
    assert (activities.status_code, 'data-testid="activity"' in activities.content.decode()) == (200, True)
    assert (audit.status_code, audit["Location"]) == (302, f"/o/porta/accounts/{p.account.pk}/")


# --- the portfolio and incidents lists on the one list pattern (issue 11, item 6) -----------------


def _incidents(world, n):
    """n more open incidents on porta's account, of every severity in turn."""
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for i in range(n):
            services.incident_open(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                title=f"Incident {i:02d}",
                severity=["low", "normal", "high", "critical"][i % 4],
                assignee=p.ae2,
            )


def _titles(response) -> list[str]:
    return re.findall(r'href="/o/porta/incidents/\d+/">([^<]+)<', response.content.decode())


@pytest.mark.parametrize("count", [1, 50])
def test_the_incidents_list_takes_the_same_number_of_queries_with_1_and_50_incidents(
    world, count, django_assert_num_queries
):
    _incidents(world, count - 1)
    client = signed_in(world.porta.ae)
    client.get("/o/porta/incidents/")
    # user, organisation, membership, row count, page rows; plus the tenant transaction's
    # savepoint, setting, reset and release
    with django_assert_num_queries(9):
        response = client.get("/o/porta/incidents/?sort=-severity")
    assert len(_titles(response)) == min(count, 25)


def test_incidents_sort_by_severity_in_the_order_severities_are_declared_and_the_export_follows(world):
    # given: the world's high incident, and one low, one normal and one critical
    p = world.porta
    _incidents(world, 4)
    client = signed_in(p.ae)
    # when
    ascending = _titles(client.get("/o/porta/incidents/?sort=severity"))
    descending = _titles(client.get("/o/porta/incidents/?sort=-severity"))
    exported = [
        row[0]
        for row in csv.reader(
            io.StringIO(client.get("/o/porta/incidents/export.csv?sort=-severity").content.decode("utf-8-sig"))
        )
    ][1:]
    # then: low, normal, high, critical; ties by how soon the SLA falls due
    assert ascending == ["Incident 00", "Incident 01", "Porta delivery late", "Incident 02", "Incident 03"]
    assert descending == list(reversed(ascending)) == exported


def test_the_incidents_list_s_sort_headers_keep_the_filters_and_mark_the_sort(world):
    page = signed_in(world.porta.ae).get("/o/porta/incidents/?status=open&sort=severity&page=1").content.decode()
    assert re.findall(r'<a class="ad-sort text-decoration-none" href="([^"]*)"( aria-sort="\w+")?>', page) == [
        ("?status=open&amp;sort=-severity", ' aria-sort="ascending"'),
        ("?status=open&amp;sort=status", ""),
        ("?status=open&amp;sort=sla", ""),
    ]


def test_a_sort_the_portfolio_does_not_know_leaves_it_by_name(world):
    _accounts(world, 2)
    client = signed_in(world.porta.admin)
    response = client.get("/o/porta/portfolio/?sort=favourite")
    assert (response.status_code, _names(response)) == (200, ["Bulk 000", "Bulk 001", "Porta Account"])
