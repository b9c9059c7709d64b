from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import factory
import pytest
from django.utils import timezone

from accounts import selectors
from accounts import services as accounts_services
from accounts.models import Account, ActualSource, ObjectiveActual
from clients import services as clients_services
from tenancy import services as tenancy_services
from tenancy.models import AuditEvent
from tests.factories import add_member


class ComputedActualFactory(factory.django.DjangoModelFactory):
    """An actual computed from transactions: no service writes these yet (billing will)."""

    class Meta:
        model = ObjectiveActual

    source = ActualSource.COMPUTED


def _north(world, in_scope):
    """Team North, led by lead2 with ae2 as a member, holds North Account: owned by ae2 since
    60 days ago, with nobody on its account team. ae and lead do not see it."""
    p = world.porta
    lead2 = add_member(p.org, "lead2", ["sales_lead"])
    with in_scope(p.org):
        team = tenancy_services.team_create(
            organization=p.org, actor=p.admin, name="Team North", leads=[lead2], members=[p.ae2]
        )
        account = accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="North Account",
            owner=p.ae2,
            sales_team=team,
            start_date=timezone.localdate() - timedelta(days=60),
        )
    return SimpleNamespace(lead2=lead2, team=team, account=account)


def _visible(org, in_scope, membership):
    with in_scope(org):
        return list(
            selectors.visible_accounts(organization=org, membership=membership)
            .order_by("name")
            .values_list("name", flat=True)
        )


# --- visibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "names"),
    [
        pytest.param(lambda p, north: p.ae, ["Porta Account"], id="ae: the account they own"),
        pytest.param(
            lambda p, north: p.ae2,
            ["North Account", "Porta Account"],
            id="ae2: the account they own and the one whose team they are on",
        ),
        pytest.param(lambda p, north: p.lead, ["Porta Account"], id="lead: the accounts of the team they lead only"),
        pytest.param(
            lambda p, north: north.lead2, ["North Account"], id="lead2: the accounts of the team they lead only"
        ),
        pytest.param(lambda p, north: p.finance, ["North Account", "Porta Account"], id="finance: every account"),
        pytest.param(lambda p, north: p.admin, ["North Account", "Porta Account"], id="admin: every account"),
    ],
)
def test_each_role_sees_exactly_the_accounts_it_may_see(world, in_scope, who, names):
    # given
    north = _north(world, in_scope)
    # when
    visible = _visible(world.porta.org, in_scope, who(world.porta, north))
    # then
    assert visible == names


def test_finance_and_admins_see_every_account_of_their_own_organisation_only(world, in_scope):
    # given
    _north(world, in_scope)
    # when
    seen = [
        _visible(world.nordwind.org, in_scope, world.nordwind.finance),
        _visible(world.nordwind.org, in_scope, world.nordwind.admin),
    ]
    # then
    assert seen == [["Nordwind Account"], ["Nordwind Account"]]


def test_leaving_the_account_team_hides_the_account(world, in_scope):
    # given ae2 is on the account team of porta's account
    p = world.porta
    # when
    with in_scope(p.org):
        accounts_services.account_team_member_remove(organization=p.org, actor=p.ae, member=p.account_member)
    # then
    assert _visible(p.org, in_scope, p.ae2) == []


def test_a_lead_who_also_owns_an_account_outside_their_team_sees_it(world, in_scope):
    # given lead is also an account executive and owns an account with no team
    p = world.porta
    with in_scope(p.org):
        tenancy_services.membership_change_roles(
            organization=p.org, actor=p.admin, membership=p.lead, roles=["sales_lead", "account_executive"]
        )
        accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Lead's Own", owner=p.lead
        )
    # when
    visible = _visible(p.org, in_scope, p.lead)
    # then
    assert visible == ["Lead's Own", "Porta Account"]


def test_account_get_of_an_account_one_may_not_see_raises_does_not_exist(world, in_scope):
    # given
    p = world.porta
    north = _north(world, in_scope)
    # when / then
    with pytest.raises(Account.DoesNotExist), in_scope(p.org):
        selectors.account_get(organization=p.org, membership=p.ae, account_id=north.account.pk)


def test_account_get_of_another_organisations_account_raises_does_not_exist(world, in_scope):
    # given
    p = world.porta
    # when / then
    with pytest.raises(Account.DoesNotExist), in_scope(p.org):
        selectors.account_get(organization=p.org, membership=p.admin, account_id=world.nordwind.account.pk)


def test_account_get_of_a_visible_account_returns_it(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        account = selectors.account_get(organization=p.org, membership=p.ae2, account_id=p.account.pk)
    # then
    assert (account.pk, account.client.legal_name, account.owner.user.email) == (
        p.account.pk,
        "Porta Digital Client SL",
        "ae@porta.example",
    )


# --- account 360 and its timeline -------------------------------------------------------------------


def _calls(world, in_scope, n, *, at=None):
    """n calls on porta's account by ae2, an hour apart (or all at `at`), newest last."""
    p = world.porta
    start = at or timezone.now() - timedelta(days=1)
    return [
        _log(
            world,
            in_scope,
            p.ae2,
            p.account,
            summary=f"Call {i:02d}",
            occurred_at=start if at else start + timedelta(hours=i),
        )
        for i in range(n)
    ]


def test_the_account_page_holds_the_newest_activities_with_names_and_contacts(world, in_scope):
    # given porta's visit (with a contact and a next step for ae) two days ago, and 10 newer calls by ae2
    p = world.porta
    calls = _calls(world, in_scope, 10)
    # when
    with in_scope(p.org):
        d = selectors.account_360(organization=p.org, membership=p.ae, account_id=p.account.pk)
    # then the timeline is the 10 newest, and there is more
    assert [a.pk for a in d.activities] == [c.pk for c in reversed(calls)]
    assert d.has_more_activities is True
    assert [(a.created_by_name, a.next_step_owner_name, a.contact_list) for a in d.activities] == [
        ("Ae2 Porta", None, [])
    ] * 10
    assert [(s.pk, s.next_step, s.next_step_owner_name) for s in d.next_steps] == [
        (p.activity.pk, "Send porta proposal", "Ae Porta")
    ]
    assert [(m.member_name, m.role) for m in d.team] == [("Ae2 Porta", "technical_specialist")]
    assert [i.title for i in d.open_incidents] == ["Porta delivery late"]
    assert (d.can_edit, d.can_reassign, d.can_rate_risk) == (True, False, False)


def test_the_timeline_pages_continue_where_the_last_one_ended_even_at_the_same_time(world, in_scope):
    # given 24 more activities logged at the very same moment (ties broken by id, newest first)
    p = world.porta
    same = timezone.now() - timedelta(hours=1)
    calls = _calls(world, in_scope, 24, at=same)
    expected = [c.pk for c in sorted(calls, key=lambda c: c.pk, reverse=True)] + [p.activity.pk]
    # when the page and then "older activity" twice
    with in_scope(p.org):
        first = selectors.account_360(organization=p.org, membership=p.ae, account_id=p.account.pk)
        second, more_after_second = selectors.activity_timeline(
            organization=p.org, membership=p.ae, account=p.account, before_id=first.activities[-1].pk
        )
        third, more_after_third = selectors.activity_timeline(
            organization=p.org, membership=p.ae, account=p.account, before_id=second[-1].pk
        )
    # then every activity once, in order, and the last page says there is no more
    assert [a.pk for a in first.activities + second + third] == expected
    assert (len(first.activities), len(second), len(third), more_after_second, more_after_third) == (
        10,
        10,
        5,
        True,
        False,
    )
    assert third[-1].contact_list[0].full_name == "Contact Porta"


def test_the_portfolio_rows_carry_names_instead_of_people(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        rows = list(selectors.portfolio_list(organization=p.org, membership=p.lead))
    # then
    assert [
        (a.name, a.client.display_name, a.owner_name, a.sales_team_name, a.has_overdue_next_steps) for a in rows
    ] == [("Porta Account", "Porta Client", "Ae Porta", "Team Porta Digital", False)]


# --- objective progress ---------------------------------------------------------------------------


def _objective(world, in_scope, **fields):
    """An objective over the 30 days of 2025-01-01 to 2025-01-30."""
    p = world.porta
    with in_scope(p.org):
        return accounts_services.objective_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            **(
                {
                    "metric": "revenue_invoiced",
                    "period_start": "2025-01-01",
                    "period_end": "2025-01-30",
                    "target": "30000.00",
                }
                | fields
            ),
        )


def _record(world, in_scope, objective, as_of, value):
    p = world.porta
    with in_scope(p.org):
        accounts_services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of=as_of, value=value
        )


def _computed(world, in_scope, objective, as_of, value):
    p = world.porta
    with in_scope(p.org):
        ComputedActualFactory(
            organization=p.org, objective=objective, as_of=date.fromisoformat(as_of), value=Decimal(value)
        )


def _progress(world, in_scope, objective, today):
    """The progress as the account page computes it: the objective and its actuals from the selector."""
    p = world.porta
    with in_scope(p.org):
        loaded = selectors.objective_get(organization=p.org, membership=p.ae, objective_id=objective.pk)
        progress = selectors.objective_progress(loaded, list(loaded.actuals.all()), today=today)
    return (
        progress.actual,
        progress.expected,
        progress.elapsed_pct,
        progress.progress_pct,
        progress.state,
        progress.points,
    )


def test_a_cumulative_target_is_pro_rated_by_the_days_elapsed(world, in_scope):
    # given 30000.00 over 30 days, and 10000.00 invoiced by day 10
    objective = _objective(world, in_scope)
    _record(world, in_scope, objective, "2025-01-10", "10000.00")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (Decimal("10000.00"), Decimal("10000.00"), 33, 33, "on_track", [("2025-01-10", "10000.00")])


@pytest.mark.parametrize(
    ("value", "progress_pct", "state"),
    [
        ("9000.00", 30, "on_track"),
        ("8999.99", 30, "behind"),
        ("11000.00", 37, "on_track"),
        ("11000.01", 37, "ahead"),
    ],
)
def test_within_the_tolerance_is_on_track_and_outside_it_behind_or_ahead(world, in_scope, value, progress_pct, state):
    # given expected 10000.00 on day 10 with a 10% tolerance: 9000.00 to 11000.00 is on track
    objective = _objective(world, in_scope, tolerance_pct="10")
    _record(world, in_scope, objective, "2025-01-10", value)
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (Decimal(value), Decimal("10000.00"), 33, progress_pct, state, [("2025-01-10", value)])


def test_a_zero_tolerance_is_on_track_only_at_the_expected_value(world, in_scope):
    # given
    objective = _objective(world, in_scope, tolerance_pct="0")
    _record(world, in_scope, objective, "2025-01-10", "9999.99")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress[4] == "behind"


@pytest.mark.parametrize(
    ("value", "progress_pct", "state"),
    [("90.00", 95, "on_track"), ("85.00", 89, "behind"), ("100.00", 105, "on_track")],
)
def test_a_rate_is_held_to_the_whole_target_from_the_first_day(world, in_scope, value, progress_pct, state):
    # given an on-time payment target of 95% (pro-rated it would be 31.67 on day 10)
    objective = _objective(world, in_scope, metric="on_time_payment", target="95")
    _record(world, in_scope, objective, "2025-01-10", value)
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (Decimal(value), Decimal("95.00"), 33, progress_pct, state, [("2025-01-10", value)])


@pytest.mark.parametrize(
    ("metric", "fields", "expected"),
    [
        ("won_offers", {"target": "6"}, Decimal("3.00")),
        ("custom", {"target": "12", "custom_metric_name": "Workshops held"}, Decimal("6.00")),
        ("gross_margin", {"target": "1000.00"}, Decimal("500.00")),
    ],
)
def test_counts_and_custom_metrics_accumulate_like_money(world, in_scope, metric, fields, expected):
    # given half of the period elapsed on day 15
    objective = _objective(world, in_scope, metric=metric, **fields)
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 15))
    # then
    assert progress == (None, expected, 50, None, "no_data", [])


def test_no_actual_yet_is_no_data(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (None, Decimal("10000.00"), 33, None, "no_data", [])


def test_before_the_period_starts_it_is_not_started(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    # when
    progress = _progress(world, in_scope, objective, today=date(2024, 12, 31))
    # then
    assert progress == (None, Decimal("0.00"), 0, None, "not_started", [])


def test_after_the_period_ends_the_whole_target_is_expected(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    _record(world, in_scope, objective, "2025-01-30", "30000.00")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 2, 15))
    # then
    assert progress == (Decimal("30000.00"), Decimal("30000.00"), 100, 100, "on_track", [("2025-01-30", "30000.00")])


def test_the_latest_actual_is_compared_and_every_actual_is_a_point(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    _record(world, in_scope, objective, "2025-01-09", "9500.00")
    _record(world, in_scope, objective, "2025-01-05", "2000.00")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (
        Decimal("9500.00"),
        Decimal("10000.00"),
        33,
        32,
        "on_track",
        [("2025-01-05", "2000.00"), ("2025-01-09", "9500.00")],
    )


def test_an_actual_after_the_day_asked_about_does_not_count_yet(world, in_scope):
    # given an actual on day 5 and another on day 20
    objective = _objective(world, in_scope)
    _record(world, in_scope, objective, "2025-01-05", "2000.00")
    _record(world, in_scope, objective, "2025-01-20", "25000.00")
    # when asked about day 10
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (Decimal("2000.00"), Decimal("10000.00"), 33, 7, "behind", [("2025-01-05", "2000.00")])


def test_a_computed_actual_wins_over_a_manual_one_on_the_same_date(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    _record(world, in_scope, objective, "2025-01-10", "9000.00")
    _computed(world, in_scope, objective, "2025-01-10", "12000.00")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress == (Decimal("12000.00"), Decimal("10000.00"), 33, 40, "ahead", [("2025-01-10", "12000.00")])


def test_a_computed_actual_wins_whichever_was_entered_first(world, in_scope):
    # given
    objective = _objective(world, in_scope)
    _computed(world, in_scope, objective, "2025-01-10", "12000.00")
    _record(world, in_scope, objective, "2025-01-10", "9000.00")
    # when
    progress = _progress(world, in_scope, objective, today=date(2025, 1, 10))
    # then
    assert progress[0] == Decimal("12000.00")


# --- my day ---------------------------------------------------------------------------------------


def _log(world, in_scope, actor, account, **fields):
    p = world.porta
    with in_scope(p.org):
        return accounts_services.activity_log(
            organization=p.org, actor=actor, account=account, **({"kind": "call", "summary": "Call"} | fields)
        )


def _my_day(org, in_scope, membership):
    with in_scope(org):
        day = selectors.my_day(organization=org, membership=membership, now=timezone.now())
    return day


def test_my_day_lists_my_next_steps_due_today_or_overdue_only(world, in_scope):
    # given the world's next step for ae due today
    p = world.porta
    today = timezone.localdate()
    overdue = _log(
        world,
        in_scope,
        p.ae,
        p.account,
        next_step="Call back",
        next_step_due=today - timedelta(days=3),
        next_step_owner=p.ae,
    )
    _log(
        world,
        in_scope,
        p.ae,
        p.account,
        next_step="Future",
        next_step_due=today + timedelta(days=1),
        next_step_owner=p.ae,
    )
    _log(
        world,
        in_scope,
        p.ae,
        p.account,
        next_step="Someone else's",
        next_step_due=today - timedelta(days=1),
        next_step_owner=p.ae2,
    )
    done = _log(
        world,
        in_scope,
        p.ae,
        p.account,
        next_step="Done already",
        next_step_due=today - timedelta(days=1),
        next_step_owner=p.ae,
    )
    with in_scope(p.org):
        accounts_services.activity_next_step_set_done(organization=p.org, actor=p.ae, activity=done)
    # when
    day = _my_day(p.org, in_scope, p.ae)
    # then
    assert [(a.pk, a.next_step) for a in day.next_steps] == [
        (overdue.pk, "Call back"),
        (p.activity.pk, "Send porta proposal"),
    ]


def test_my_day_lists_open_incidents_past_or_within_a_day_of_their_sla(world, in_scope):
    # given the world's high incident for ae, due in 8 hours
    p = world.porta
    north = _north(world, in_scope)
    with in_scope(p.org):
        overdue = accounts_services.incident_open(
            organization=p.org,
            actor=p.ae2,
            account=p.account,
            title="Overdue",
            severity="high",
            opened_at=timezone.now() - timedelta(days=3),
        )
        critical = accounts_services.incident_open(
            organization=p.org,
            actor=p.ae2,
            account=p.account,
            title="Critical for ae2",
            severity="critical",
            assignee=p.ae2,
        )
        accounts_services.incident_open(organization=p.org, actor=p.ae, account=p.account, title="Low", severity="low")
        resolved = accounts_services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Resolved", severity="critical"
        )
        accounts_services.incident_update(organization=p.org, actor=p.ae, incident=resolved, status="resolved")
        accounts_services.incident_open(
            organization=p.org, actor=p.ae2, account=north.account, title="Not on my accounts", severity="critical"
        )
    # when
    day = _my_day(p.org, in_scope, p.ae)
    # then by SLA, the overdue first; ae2's on ae's account too, because ae owns it
    # assigned to me first, then by how soon the SLA falls due
    assert [(i.pk, i.title) for i in day.incidents] == [
        (p.incident.pk, "Porta delivery late"),
        (overdue.pk, "Overdue"),
        (critical.pk, "Critical for ae2"),
    ]


def test_my_day_lists_my_accounts_quiet_for_the_organisations_number_of_days(world, in_scope):
    # given porta's account had a visit two days ago, and ae owns two accounts started 40
    # days ago with no activity, one closed
    p = world.porta
    _north(world, in_scope)
    started = timezone.localdate() - timedelta(days=40)
    with in_scope(p.org):
        accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Quiet Account", owner=p.ae, start_date=started
        )
        accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Closed Account",
            owner=p.ae,
            status="closed",
            start_date=started,
        )
    # when
    before = _my_day(p.org, in_scope, p.ae)
    with in_scope(p.org):
        accounts_services.portfolio_settings_update(organization=p.org, actor=p.admin, quiet_after_days=1)
    after = _my_day(p.org, in_scope, p.ae)
    # then
    assert ([a.name for a in before.quiet_accounts], before.quiet_after_days) == (["Quiet Account"], 30)
    assert ([a.name for a in after.quiet_accounts], after.quiet_after_days) == (["Porta Account", "Quiet Account"], 1)


def test_an_account_without_activity_is_quiet_only_once_the_days_have_passed_since_it_started(world, in_scope):
    # given: with 30 days to go quiet, ae's accounts without activity started today, 29, 30 and
    # 31 days ago, and one started 90 days ago with a call 29 days ago
    p = world.porta
    today = timezone.localdate()
    with in_scope(p.org):
        for name, days in [("Today", 0), ("Day 29", 29), ("Day 30", 30), ("Day 31", 31), ("Called", 90)]:
            account = accounts_services.account_create(
                organization=p.org,
                actor=p.admin,
                client=p.client,
                name=name,
                owner=p.ae,
                start_date=today - timedelta(days=days),
            )
        accounts_services.activity_log(
            organization=p.org,
            actor=p.ae,
            account=account,
            kind="call",
            summary="Call",
            occurred_at=timezone.now() - timedelta(days=29),
        )
    # when
    day = _my_day(p.org, in_scope, p.ae)
    # then: quiet counts from the last activity or, with none, from the start date
    assert [a.name for a in day.quiet_accounts] == ["Day 30", "Day 31"]


def test_my_day_quiet_accounts_are_the_ones_i_own_not_the_ones_whose_team_i_am_on(world, in_scope):
    # given ae2 owns North Account (no activity) and is on the team of porta's account
    p = world.porta
    _north(world, in_scope)
    with in_scope(p.org):
        accounts_services.portfolio_settings_update(organization=p.org, actor=p.admin, quiet_after_days=1)
    # when
    day = _my_day(p.org, in_scope, p.ae2)
    # then
    assert [a.name for a in day.quiet_accounts] == ["North Account"]


# --- search ---------------------------------------------------------------------------------------


def _search(org, in_scope, membership, query):
    with in_scope(org):
        results = selectors.search(organization=org, membership=membership, query=query)
    return (
        [c.legal_name for c in results.clients],
        [c.full_name for c in results.contacts],
        [a.name for a in results.accounts],
    )


def test_search_ignores_case_and_accents(world, in_scope):
    # given
    p = world.porta
    with in_scope(p.org):
        clients_services.client_create(
            organization=p.org, actor=p.admin, legal_name="Cafès Montjuïc SL", tax_id="12345678Z", city="Sants-Montjuïc"
        )
    # when
    found = [_search(p.org, in_scope, p.ae, "SANTS montjuic"), _search(p.org, in_scope, p.ae, "cafés")]
    # then
    assert found == [(["Cafès Montjuïc SL"], [], []), (["Cafès Montjuïc SL"], [], [])]


def test_search_needs_every_word_of_the_query(world, in_scope):
    # given porta's client is in Lleida
    p = world.porta
    # when
    found = [_search(p.org, in_scope, p.ae, "porta LLEIDÀ"), _search(p.org, in_scope, p.ae, "porta girona")]
    # then: the client, and its account (found by its client's words too)
    assert found == [(["Porta Digital Client SL"], [], ["Porta Account"]), ([], [], [])]


@pytest.mark.parametrize(
    ("who", "accounts"),
    [
        pytest.param(lambda p, north: p.ae, ["Porta Account"], id="ae"),
        pytest.param(lambda p, north: p.ae2, ["North Account", "Porta Account"], id="ae2"),
        pytest.param(lambda p, north: north.lead2, ["North Account"], id="lead2"),
        pytest.param(lambda p, north: p.finance, ["North Account", "Porta Account"], id="finance"),
    ],
)
def test_search_finds_only_the_accounts_one_may_see(world, in_scope, who, accounts):
    # given
    north = _north(world, in_scope)
    # when
    found = _search(world.porta.org, in_scope, who(world.porta, north), "account")
    # then
    assert found == ([], [], accounts)


def test_search_finds_clients_and_contacts_for_everyone_in_the_organisation(world, in_scope):
    # given lead2 cannot see porta's account
    north = _north(world, in_scope)
    # when
    found = _search(world.porta.org, in_scope, north.lead2, "porta")
    # then: of the accounts of Porta's client, only the one lead2 sees
    assert found == (["Porta Digital Client SL"], ["Contact Porta"], ["North Account"])


def test_search_never_finds_another_organisations_rows(world, in_scope):
    # given both organisations have a client, a contact and an account
    p = world.porta
    # when
    found = [
        _search(p.org, in_scope, p.admin, "nordwind"),
        _search(p.org, in_scope, p.admin, "client"),
        _search(p.org, in_scope, p.admin, "contact"),
    ]
    # then: porta's own rows (its account found by its client's name)
    assert found == [
        ([], [], []),
        (["Porta Digital Client SL"], ["Contact Porta"], ["Porta Account"]),
        ([], ["Contact Porta"], []),
    ]


@pytest.mark.parametrize("query", ["", "p", " p ", "--", "¡!"])
def test_search_without_a_word_of_two_characters_finds_nothing(world, in_scope, query):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        results = selectors.search(organization=p.org, membership=p.admin, query=query)
    # then
    assert (results.is_empty, results.clients, results.contacts, results.accounts) == (True, [], [], [])


def test_the_audit_trail_shows_dates_and_times_as_people_read_them(world, in_scope):
    # given: an incident resolved and an account's start date changed
    import zoneinfo

    from django.utils import translation

    from accounts.models import Incident

    p = world.porta
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    with in_scope(p.org):
        started = Account.objects.get(pk=p.account.pk).start_date
        accounts_services.incident_update(organization=p.org, actor=p.ae, incident=p.incident, status="resolved")
        accounts_services.account_update(organization=p.org, actor=p.ae, account=p.account, start_date=date(2025, 3, 9))
        resolved_at = Incident.objects.get(pk=p.incident.pk).resolved_at
    # when: read in Madrid's time, in Spanish
    with in_scope(p.org), timezone.override(madrid), translation.override("es"):
        incident_changes = [
            (b, a)
            for e in selectors.incident_audit(organization=p.org, incident=p.incident)
            for _, b, a in e.display_changes
        ]
        account_changes = [
            (b, a)
            for e in selectors.account_audit_page(organization=p.org, account=p.account, objective_ids=[])[0]
            for _, b, a in e.display_changes
        ]
    # then: Spanish short formats, the time in Madrid's zone, no ISO text left
    assert (None, resolved_at.astimezone(madrid).strftime("%d/%m/%Y %H:%M")) in incident_changes
    assert (started.strftime("%d/%m/%Y"), "09/03/2025") in account_changes
    assert [
        change
        for change in incident_changes + account_changes
        if any(isinstance(v, str) and "+00:00" in v for v in change)
    ] == []


def test_the_account_team_in_the_audit_trail_reads_in_the_reader_s_language(world, in_scope):
    # given: an English-speaking admin changes ae2's role on the account team, then removes them
    from django.utils import translation

    p = world.porta
    with in_scope(p.org):
        accounts_services.account_team_member_update(
            organization=p.org, actor=p.admin, member=p.account_member, role="finance_contact"
        )
        accounts_services.account_team_member_remove(organization=p.org, actor=p.admin, member=p.account_member)
    # when: read in English and in Catalan
    seen = {}
    for language in ("en", "ca"):
        with in_scope(p.org), translation.override(language):
            events = selectors.account_audit_page(organization=p.org, account=p.account, objective_ids=[])[0]
            seen[language] = [
                (e.action, [(str(label), before, after) for label, before, after in e.display_changes])
                for e in events
                if e.action.startswith("account.team")
            ]
    # then: names from the membership, roles in the reader's language; the stored rows keep codes
    assert seen["en"] == [
        ("account.team_remove", [("account team", "Ae2 Porta (Finance contact)", None)]),
        ("account.team_role", [("account team", "Ae2 Porta (Technical specialist)", "Ae2 Porta (Finance contact)")]),
        ("account.team_add", [("account team", None, "Ae2 Porta (Technical specialist)")]),
    ]
    assert seen["ca"] == [
        ("account.team_remove", [("equip del compte", "Ae2 Porta (Contacte de finances)", None)]),
        (
            "account.team_role",
            [("equip del compte", "Ae2 Porta (Especialista tècnic)", "Ae2 Porta (Contacte de finances)")],
        ),
        ("account.team_add", [("equip del compte", None, "Ae2 Porta (Especialista tècnic)")]),
    ]
    with in_scope(p.org):
        stored = AuditEvent.objects.filter(action="account.team_role").values_list("changes", flat=True).get()
    assert stored == {
        "team": [
            {"membership": p.ae2.pk, "account_role": "technical_specialist"},
            {"membership": p.ae2.pk, "account_role": "finance_contact"},
        ]
    }


def test_a_membership_s_roles_in_the_audit_trail_read_by_their_labels(world, in_scope):
    # given
    from tenancy import selectors as tenancy_selectors
    from tenancy import services as tenancy_services

    p = world.porta
    with in_scope(p.org):
        tenancy_services.membership_change_roles(
            organization=p.org, actor=p.admin, membership=p.ae2, roles=["account_executive", "sales_lead"]
        )
        event = AuditEvent.objects.filter(action="membership.change_roles").get()
        # when
        [shown] = tenancy_selectors.audit_display([event], organization=p.org)
    # then
    assert [(str(label), before, after) for label, before, after in shown.display_changes] == [
        ("roles", "Account executive", "Sales lead, Account executive")
    ]


def test_the_audit_trail_shows_amounts_as_people_write_numbers(world, in_scope):
    # given: the objective's target raised and an actual recorded; the credit limit raised
    from django.utils import translation

    p = world.porta
    with in_scope(p.org):
        accounts_services.objective_update(organization=p.org, actor=p.ae, objective=p.objective, target="31500.50")
        accounts_services.account_update(organization=p.org, actor=p.ae, account=p.account, credit_limit="20000.00")
    # when: read in English and in Spanish
    seen = {}
    for language in ("en", "es"):
        with in_scope(p.org), translation.override(language):
            events = selectors.account_audit_page(
                organization=p.org, account=p.account, objective_ids=[p.objective.pk]
            )[0]
            seen[language] = [
                (b, a)
                for e in events
                if e.action in ("account.update", "objective.update", "objective.actual")
                for _, b, a in e.display_changes
            ]
    # then
    today = f"{timezone.localdate():%d/%m/%Y}"
    assert seen["en"] == [("15,000.00", "20,000.00"), ("30,000.00", "31,500.50"), (None, today), (None, "4,000.00")]
    assert seen["es"] == [("15.000,00", "20.000,00"), ("30.000,00", "31.500,50"), (None, today), (None, "4.000,00")]


def test_search_finds_an_account_by_its_client_s_name_ignoring_case_and_accents(world, in_scope):
    # given: Ceràmiques Ferrer SL and an account of theirs named for its line of business
    p = world.porta
    with in_scope(p.org):
        client = clients_services.client_create(
            organization=p.org, actor=p.admin, legal_name="Ceràmiques Ferrer SL", tax_id="12345678Z"
        )
        accounts_services.account_create(
            organization=p.org, actor=p.admin, client=client, name="Tiles export", owner=p.ae
        )
    # when
    found = [_search(p.org, in_scope, p.ae, "ceramiques"), _search(p.org, in_scope, p.ae, "CERAMIQUES tiles")]
    # then
    assert found == [
        (["Ceràmiques Ferrer SL"], [], ["Tiles export"]),
        ([], [], ["Tiles export"]),
    ]


@pytest.mark.parametrize("query", ["972 12 34 56", "972123456", "+34 972-12-34-56", "(972) 123 456"])
def test_search_finds_a_contact_by_phone_however_it_is_written(world, in_scope, query):
    # given
    p = world.porta
    with in_scope(p.org):
        clients_services.contact_create(
            organization=p.org, actor=p.admin, client=p.client, full_name="Marta Vidal", phone="+34 972 12 34 56"
        )
    # when
    found = _search(p.org, in_scope, p.ae, query)
    # then
    assert found == ([], ["Marta Vidal"], [])


def test_search_does_not_find_a_contact_by_a_few_digits_of_a_phone(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        clients_services.contact_create(
            organization=p.org, actor=p.admin, client=p.client, full_name="Marta Vidal", phone="+34 972 12 34 56"
        )
    # four of its digits, in a row: not a phone number yet
    assert _search(p.org, in_scope, p.ae, "2345")[1] == []
