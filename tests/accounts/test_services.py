from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Account, Activity, Incident, Objective, ObjectiveActual, PortfolioSettings
from clients import services as clients_services
from config.errors import ApplicationError, refusal_messages
from tenancy import services as tenancy_services
from tenancy.models import AuditEvent, Membership
from tests.factories import add_member
from tests.tenancy.isolation import snapshot

OPENED = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def _refusal(world, in_scope, call):
    """Run a service call that must be refused; return the refusal and whether nothing changed.
    A rule of the model refuses with full_clean()'s ValidationError, a rule of the service with
    an ApplicationError: the same sentence and fields either way (as the API and forms show
    them), read here as an ApplicationError."""
    before = snapshot()
    with pytest.raises((ApplicationError, ValidationError)) as error, in_scope(world.porta.org):
        call()
    refusal = error.value
    if isinstance(refusal, ValidationError):
        refusal = ApplicationError(*refusal_messages(refusal))
    return refusal, snapshot() == before


def _forbidden(world, in_scope, call):
    """Run a service call that must be refused as not allowed (403) and change nothing; its message."""
    error, unchanged = _refusal(world, in_scope, call)
    assert (error.status, unchanged) == (403, True)
    return error.message


def _open_account(world, in_scope, **fields):
    p = world.porta
    with in_scope(p.org):
        return services.account_create(
            organization=p.org,
            actor=p.admin,
            **({"client": p.client, "name": "Lleida Store", "owner": p.ae} | fields),
        )


def _another_team_lead(world, in_scope):
    """lead2 of porta, who leads a team of their own that holds none of porta's accounts."""
    p = world.porta
    lead2 = add_member(p.org, "lead2", ["sales_lead"])
    with in_scope(p.org):
        tenancy_services.team_create(organization=p.org, actor=p.admin, name="Team North", leads=[lead2])
    return lead2


def _audit(org, in_scope, action):
    with in_scope(org):
        return list(
            AuditEvent.objects.filter(action=action).order_by("id").values_list("actor", "object_id", "changes")
        )


# --- opening an account ---------------------------------------------------------------------------


def test_an_account_executive_opens_an_account_they_own_and_it_is_audited(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        account = services.account_create(
            organization=p.org,
            actor=p.ae,
            client=p.client,
            name=" Lleida Store ",
            credit_limit="1234.50",
            currency="usd",
        )
        stored = Account.objects.values_list("name", "owner", "currency", "credit_limit", "search_text").get(
            pk=account.pk
        )
    # then
    assert stored == ("Lleida Store", p.ae.pk, "USD", Decimal("1234.50"), "lleida store")
    assert _audit(p.org, in_scope, "account.create")[-1] == (
        p.ae.user.pk,
        account.pk,
        {
            "client": [None, p.client.pk],
            "name": [None, "Lleida Store"],
            "owner": [None, p.ae.pk],
            "sales_team": [None, None],
            "currency": [None, "USD"],
            "payment_terms_days": [None, 30],
            "credit_limit": [None, "1234.50"],
            "risk_rating": [None, "unrated"],
            "tier": [None, "standard"],
            "status": [None, "onboarding"],
            "start_date": [None, timezone.localdate().isoformat()],
        },
    )


def test_an_account_executive_may_not_open_an_account_for_someone_else(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.ae, client=p.client, name="Lleida Store", owner=p.ae2
        ),
    )
    # then
    assert (error.status, error.message) == (403, "You can open accounts for yourself only.")
    assert unchanged


def test_finance_may_not_open_an_account(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.finance, client=p.client, name="Lleida Store", owner=p.ae
        ),
    )
    # then
    assert (error.status, error.message) == (403, "Your role may not open accounts.")
    assert unchanged


@pytest.mark.parametrize(
    "owner",
    [
        pytest.param(lambda world: world.nordwind.ae, id="an account executive of another organisation"),
        pytest.param(lambda world: world.porta.finance, id="finance of the same organisation"),
        pytest.param(lambda world: world.porta.admin, id="an admin who is not an account executive"),
        pytest.param(lambda world: Membership(pk=999999), id="nobody"),
    ],
)
def test_the_owner_must_be_an_active_account_executive_of_the_organisation(world, in_scope, owner):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Lleida Store", owner=owner(world)
        ),
    )
    # then
    message = "The owner must be an active account executive of this organisation."
    assert (error.message, error.extra) == (message, {"owner": message})
    assert unchanged


def test_a_deactivated_account_executive_cannot_own_an_account(world, in_scope):
    # given
    p = world.porta
    with in_scope(p.org):
        tenancy_services.membership_set_active(organization=p.org, actor=p.admin, membership=p.ae2, is_active=False)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Lleida Store", owner=p.ae2
        ),
    )
    # then
    assert error.extra == {"owner": "The owner must be an active account executive of this organisation."}
    assert unchanged


def test_a_client_of_another_organisation_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=world.nordwind.client, name="Lleida Store", owner=p.ae
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "Choose a client of this organisation.",
        {"client": "Choose a client of this organisation."},
    )
    assert unchanged


def test_an_unknown_currency_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Lleida Store", owner=p.ae, currency="EURO"
        ),
    )
    # then
    message = "Unknown currency: use an ISO 4217 code such as EUR or USD."
    assert (error.message, error.extra) == (message, {"currency": message})
    assert unchanged


def test_a_negative_credit_limit_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit="-0.01"),
    )
    # then
    message = "The credit limit cannot be negative."
    assert (error.message, error.extra) == (message, {"credit_limit": message})
    assert unchanged


@pytest.mark.parametrize("days", [-1, 366, "thirty", 30.5, True])
def test_payment_terms_are_between_0_and_365_days(world, in_scope, days):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.admin, account=p.account, payment_terms_days=days),
    )
    # then
    message = "Payment terms are between 0 and 365 days."
    assert (error.message, error.extra) == (message, {"payment_terms_days": message})
    assert unchanged


@pytest.mark.parametrize(("days", "stored"), [(0, 0), (365, 365), ("60", 60)])
def test_payment_terms_at_the_bounds_are_kept(world, in_scope, days, stored):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.account_update(organization=p.org, actor=p.admin, account=p.account, payment_terms_days=days)
        payment_terms_days = Account.objects.get(pk=p.account.pk).payment_terms_days
    # then
    assert payment_terms_days == stored


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1234.5", Decimal("1234.50")),
        (Decimal("0.10"), Decimal("0.10")),
        (1234, Decimal("1234.00")),
        (0.1, Decimal("0.10")),
    ],
)
def test_money_is_kept_as_an_exact_decimal_with_two_places(world, in_scope, entered, stored):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit=entered)
        credit_limit = Account.objects.get(pk=p.account.pk).credit_limit
    # then
    assert (credit_limit, str(credit_limit)) == (stored, str(stored))


@pytest.mark.parametrize("entered", [0.1 + 0.2, "1234.567", Decimal("0.001")])
def test_money_with_more_than_two_decimals_is_refused_never_rounded(world, in_scope, entered):
    # given 0.1 + 0.2 is 0.30000000000000004 as a float
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit=entered),
    )
    # then
    assert (error.message, error.extra) == ("At most two decimals.", {"credit_limit": "At most two decimals."})
    assert unchanged


@pytest.mark.parametrize("entered", ["abc", "NaN", "Infinity", "", None])
def test_money_that_is_not_an_amount_is_refused(world, in_scope, entered):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit=entered),
    )
    # then
    assert error.extra == {"credit_limit": "Enter an amount, like 1500.00."}
    assert unchanged


@pytest.mark.parametrize(
    ("change", "extra"),
    [
        pytest.param(
            lambda p: services.account_update(
                organization=p.org, actor=p.admin, account=p.account, credit_limit="1000000000000.00"
            ),
            {"credit_limit": "That amount is too large."},
            id="money over the column size",
        ),
        pytest.param(
            lambda p: services.account_set_risk_rating(
                organization=p.org, actor=p.finance, account=p.account, risk_rating="extreme"
            ),
            {"risk_rating": "Choose a value from the list."},
            id="an unknown risk rating",
        ),
    ],
)
def test_a_value_the_field_cannot_hold_is_refused(world, in_scope, change, extra):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(world, in_scope, lambda: change(p))
    # then
    assert error.extra == extra
    assert unchanged


# --- risk rating ----------------------------------------------------------------------------------


def test_finance_sets_the_risk_rating_and_it_is_audited(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.account_set_risk_rating(organization=p.org, actor=p.finance, account=p.account, risk_rating="high")
        stored = Account.objects.get(pk=p.account.pk).risk_rating
    # then
    assert stored == "high"
    assert _audit(p.org, in_scope, "account.rate_risk") == [
        (p.finance.user.pk, p.account.pk, {"risk_rating": ["unrated", "high"]})
    ]


@pytest.mark.parametrize("role", ["admin", "lead", "ae"])
def test_only_finance_sets_the_risk_rating(world, in_scope, role):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_set_risk_rating(
            organization=p.org, actor=getattr(p, role), account=p.account, risk_rating="high"
        ),
    )
    # then
    assert (error.status, error.code, error.message) == (403, "permission_denied", "Only finance sets risk ratings.")
    assert unchanged


def test_a_risk_rating_cannot_be_set_when_opening_an_account_unless_by_finance(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Lleida Store", owner=p.ae, risk_rating="low"
        ),
    )
    # then
    assert (error.status, error.message) == (403, "Only finance sets risk ratings.")
    assert unchanged


def test_finance_may_not_change_anything_else_on_the_account(world, in_scope):
    # given
    p = world.porta
    # when
    message = _forbidden(
        world,
        in_scope,
        lambda: services.account_update(
            organization=p.org, actor=p.finance, account=p.account, risk_rating="high", credit_limit="50000.00"
        ),
    )
    # then
    assert message == "Only the account's owner, the lead of its team or an admin may change it."


# --- reassigning ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_the_lead_of_the_accounts_team_or_an_admin_reassigns_it_and_it_is_audited(world, in_scope, role):
    # given
    p = world.porta
    actor = getattr(p, role)
    # when
    with in_scope(p.org):
        services.account_reassign(organization=p.org, actor=actor, account=p.account, owner=p.ae2)
        owner = Account.objects.get(pk=p.account.pk).owner_id
    # then
    assert owner == p.ae2.pk
    assert _audit(p.org, in_scope, "account.reassign") == [
        (actor.user.pk, p.account.pk, {"owner": [p.ae.pk, p.ae2.pk]})
    ]


@pytest.mark.parametrize("role", ["ae", "ae2", "finance"])
def test_people_who_do_not_lead_the_accounts_team_may_not_reassign_it(world, in_scope, role):
    # given
    p = world.porta
    # when
    message = _forbidden(
        world,
        in_scope,
        lambda: services.account_reassign(organization=p.org, actor=getattr(p, role), account=p.account, owner=p.ae2),
    )
    # then
    assert message == "Only the sales lead of the account's team or an admin may reassign it."


def test_the_lead_of_another_team_may_not_reassign_the_account(world, in_scope):
    # given
    p = world.porta
    lead2 = _another_team_lead(world, in_scope)
    # when
    message = _forbidden(
        world,
        in_scope,
        lambda: services.account_reassign(organization=p.org, actor=lead2, account=p.account, owner=p.ae2),
    )
    # then
    assert message == "Only the sales lead of the account's team or an admin may reassign it."


def test_an_account_cannot_be_reassigned_to_someone_who_is_not_an_account_executive(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_reassign(organization=p.org, actor=p.lead, account=p.account, owner=p.finance),
    )
    # then
    assert error.extra == {"owner": "The owner must be an active account executive of this organisation."}
    assert unchanged


# --- changes and their audit ----------------------------------------------------------------------


def test_changing_an_account_audits_exactly_what_changed_from_what(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.account_update(
            organization=p.org,
            actor=p.lead,
            account=p.account,
            credit_limit="20000.00",
            status="at_risk",
            currency="EUR",
            tier="key",
        )
        stored = Account.objects.values_list("credit_limit", "status").get(pk=p.account.pk)
    # then
    assert stored == (Decimal("20000.00"), "at_risk")
    assert _audit(p.org, in_scope, "account.update") == [
        (p.lead.user.pk, p.account.pk, {"credit_limit": ["15000.00", "20000.00"], "status": ["active", "at_risk"]})
    ]


def test_an_account_change_that_changes_nothing_writes_no_audit_row(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.account_update(
            organization=p.org, actor=p.ae, account=p.account, credit_limit="15000", status="active"
        )
    # then
    assert _audit(p.org, in_scope, "account.update") == []


def test_the_account_team_may_not_change_an_account_it_does_not_own(world, in_scope):
    # given ae2 is on the account team of ae's account
    p = world.porta
    # when
    message = _forbidden(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.ae2, account=p.account, status="at_risk"),
    )
    # then
    assert message == "Only the account's owner, the lead of its team or an admin may change it."


def test_the_accounts_owner_is_not_added_to_its_team_again(world, in_scope):
    # given ae owns the account
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_team_member_add(
            organization=p.org, actor=p.ae, account=p.account, membership=p.ae, role="account_executive"
        ),
    )
    # then
    assert (error.status, error.message, error.extra) == (
        400,
        "Ae Porta owns this account: the owner is on its team already.",
        {"membership": "The account's owner."},
    )
    assert unchanged


def test_two_accounts_of_a_client_cannot_share_a_name(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="PORTA ACCOUNT", owner=p.ae
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "This client already has an account with that name.",
        {"name": "Choose another name."},
    )
    assert unchanged


# --- objectives -----------------------------------------------------------------------------------


OBJECTIVE = {
    "metric": "revenue_invoiced",
    "period_start": "2025-01-01",
    "period_end": "2025-01-30",
    "target": "30000.00",
}


def _create_objective(p, actor=None, **fields):
    """Porta's AE (or `actor`) sets an objective on Porta's account: OBJECTIVE with `fields` over it."""
    return services.objective_create(organization=p.org, actor=actor or p.ae, account=p.account, **(OBJECTIVE | fields))


def _objective(world, in_scope, **fields):
    with in_scope(world.porta.org):
        return _create_objective(world.porta, **fields)


def test_an_objective_is_created_with_exact_values_and_audited(world, in_scope):
    # when
    objective = _objective(world, in_scope, tolerance_pct="5.5")
    # then
    p = world.porta
    with in_scope(p.org):
        stored = Objective.objects.values_list(
            "metric", "period_start", "period_end", "target", "tolerance_pct", "created_by"
        ).get(pk=objective.pk)
    assert stored == (
        "revenue_invoiced",
        date(2025, 1, 1),
        date(2025, 1, 30),
        Decimal("30000.00"),
        Decimal("5.50"),
        p.ae.pk,
    )
    assert _audit(p.org, in_scope, "objective.create")[-1] == (
        p.ae.user.pk,
        objective.pk,
        {
            "metric": [None, "revenue_invoiced"],
            "custom_metric_name": [None, ""],
            "period_start": [None, "2025-01-01"],
            "period_end": [None, "2025-01-30"],
            "target": [None, "30000.00"],
            "tolerance_pct": [None, "5.50"],
        },
    )


def test_an_objective_period_cannot_end_before_it_starts(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, period_start="2025-01-31", target="100.00"),
    )
    # then
    message = "The period cannot end before it starts."
    assert (error.message, error.extra) == (message, {"period_end": message})
    assert unchanged


def test_a_period_of_one_day_is_allowed(world, in_scope):
    # when
    objective = _objective(world, in_scope, period_start="2025-01-30", period_end="2025-01-30")
    # then
    assert (objective.period_start, objective.period_end) == (date(2025, 1, 30), date(2025, 1, 30))


@pytest.mark.parametrize("metric", ["on_time_payment", "on_time_delivery"])
def test_a_percentage_target_over_100_is_refused(world, in_scope, metric):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, metric=metric, target="100.01"),
    )
    # then
    message = "A percentage target is at most 100."
    assert (error.message, error.extra) == (message, {"target": message})
    assert unchanged


def test_switching_an_objective_to_a_percentage_metric_checks_its_target(world, in_scope):
    # given an objective on revenue with a target of 30000.00
    p = world.porta
    objective = _objective(world, in_scope)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.objective_update(
            organization=p.org, actor=p.ae, objective=objective, metric="on_time_payment"
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "A percentage target is at most 100.",
        {"target": "A percentage target is at most 100."},
    )
    assert unchanged


def test_a_percentage_target_of_100_is_kept(world, in_scope):
    # when
    objective = _objective(world, in_scope, metric="on_time_payment", target="100")
    # then
    assert objective.target == Decimal("100.00")


@pytest.mark.parametrize("fields", [{}, {"custom_metric_name": ""}, {"custom_metric_name": "   "}])
def test_a_custom_metric_needs_a_name(world, in_scope, fields):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, metric="custom", target="12", **fields),
    )
    # then
    assert (error.message, error.extra) == (
        "Name the custom metric.",
        {"custom_metric_name": "Name the custom metric."},
    )
    assert unchanged


def test_a_custom_metric_name_is_dropped_for_a_standard_metric(world, in_scope):
    # when
    objective = _objective(world, in_scope, custom_metric_name="Workshops held")
    # then
    assert objective.custom_metric_name == ""


def test_a_second_objective_of_the_same_metric_and_period_is_refused(world, in_scope):
    # given revenue invoiced for 2025-01-01 to 2025-01-30
    p = world.porta
    _objective(world, in_scope)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, target="5.00"),
    )
    # then
    assert (error.message, error.extra) == (
        "This account already has a “Revenue invoiced” objective from 01/01/2025 to 30/01/2025.",
        {"metric": "Already set for this period: change that objective instead."},
    )
    assert unchanged


def test_a_custom_metric_is_the_same_objective_by_its_name_in_any_case(world, in_scope):
    # given "Workshops held" for 2025-01-01 to 2025-01-30
    p = world.porta
    _objective(world, in_scope, metric="custom", custom_metric_name="Workshops held", target="12")
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, metric="custom", custom_metric_name=" workshops HELD ", target="3"),
    )
    # then
    assert error.message == "This account already has a “workshops HELD” objective from 01/01/2025 to 30/01/2025."
    assert unchanged


def test_the_same_metric_for_another_period_or_another_name_is_a_new_objective(world, in_scope):
    # given
    p = world.porta
    _objective(world, in_scope)
    _objective(world, in_scope, metric="custom", custom_metric_name="Workshops held", target="12")
    # when: the same metric over the rest of the year, another custom metric over the same days
    _objective(world, in_scope, period_start="2025-01-31", period_end="2025-12-31")
    _objective(world, in_scope, metric="custom", custom_metric_name="Demos given", target="4")
    # then
    with in_scope(p.org):
        rows = list(
            Objective.objects.filter(account=p.account, period_start__year=2025)
            .order_by("id")
            .values_list("metric", "custom_metric_name", "period_start", "period_end")
        )
    assert rows == [
        ("revenue_invoiced", "", date(2025, 1, 1), date(2025, 1, 30)),
        ("custom", "Workshops held", date(2025, 1, 1), date(2025, 1, 30)),
        ("revenue_invoiced", "", date(2025, 1, 31), date(2025, 12, 31)),
        ("custom", "Demos given", date(2025, 1, 1), date(2025, 1, 30)),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param("2024-12-01", "2025-01-01", id="ending on its first day"),
        pytest.param("2025-01-30", "2025-03-31", id="starting on its last day"),
        pytest.param("2025-01-10", "2025-01-20", id="inside it"),
        pytest.param("2024-01-01", "2025-12-31", id="around it"),
    ],
)
def test_an_objective_whose_period_overlaps_another_of_its_metric_is_refused(world, in_scope, start, end):
    # given revenue invoiced for 2025-01-01 to 2025-01-30
    p = world.porta
    _objective(world, in_scope)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _create_objective(p, period_start=start, period_end=end, target="5.00"),
    )
    # then: named with the period it overlaps, in the reader's format
    assert (error.message, error.extra) == (
        "This account already has a “Revenue invoiced” objective from 01/01/2025 to 30/01/2025.",
        {"metric": "Its period overlaps that one: change that objective instead."},
    )
    assert unchanged


def test_the_overlap_message_reads_the_dates_in_the_reader_s_format(world, in_scope):
    # given revenue invoiced for 2025-01-01 to 2025-01-30, and someone reading in Catalan
    from django.utils import translation

    p = world.porta
    _objective(world, in_scope)
    # when
    with translation.override("ca"):
        error, _unchanged = _refusal(
            world,
            in_scope,
            lambda: _create_objective(p, period_start="2025-01-15", period_end="2025-02-15", target="5.00"),
        )
    # then
    assert "01/01/2025" in error.message and "30/01/2025" in error.message and "2025-01" not in error.message


def test_an_objective_cannot_be_changed_into_a_second_one_of_its_period(world, in_scope):
    # given revenue for January 1-30, and revenue for the rest of the year
    p = world.porta
    _objective(world, in_scope)
    year = _objective(world, in_scope, period_start="2025-01-31", period_end="2025-12-31")
    # when the rest of the year's objective is moved to January 1-30
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.objective_update(
            organization=p.org, actor=p.ae, objective=year, period_start="2025-01-01", period_end="2025-01-30"
        ),
    )
    # then
    assert error.message == "This account already has a “Revenue invoiced” objective from 01/01/2025 to 30/01/2025."
    assert unchanged


def test_changing_an_objective_s_target_is_not_a_duplicate_of_itself(world, in_scope):
    # given
    p = world.porta
    objective = _objective(world, in_scope)
    # when
    with in_scope(p.org):
        services.objective_update(organization=p.org, actor=p.ae, objective=objective, target="31000.00")
        stored = Objective.objects.values_list("target", flat=True).get(pk=objective.pk)
    # then
    assert stored == Decimal("31000.00")


def test_the_account_team_may_not_set_objectives(world, in_scope):
    # given
    p = world.porta
    # when
    message = _forbidden(
        world,
        in_scope,
        lambda: _create_objective(p, actor=p.ae2, metric="won_offers", target="3"),
    )
    # then
    assert message == "Only the account's owner, the lead of its team or an admin may set its objectives."


def test_an_actual_outside_the_objectives_period_is_refused(world, in_scope):
    # given
    p = world.porta
    objective = _objective(world, in_scope)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of="2024-12-31", value="100.00"
        ),
    )
    # then
    # the dates as the page shows them, in the reader's format (not ISO)
    assert (error.message, error.extra) == (
        "The date must be inside the objective's period.",
        {"as_of": "Between 01/01/2025 and 30/01/2025."},
    )
    assert unchanged


def test_an_actual_in_the_future_is_refused(world, in_scope):
    # given an objective whose period runs past tomorrow
    p = world.porta
    today = timezone.localdate()
    objective = _objective(
        world,
        in_scope,
        metric="won_offers",
        period_start=today - timedelta(days=10),
        period_end=today + timedelta(days=10),
        target="3",
    )
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of=today + timedelta(days=1), value="100.00"
        ),
    )
    # then
    assert (error.message, error.extra) == ("An actual cannot be in the future.", {"as_of": "Today or earlier."})
    assert unchanged


def test_a_second_actual_on_the_same_date_replaces_the_first(world, in_scope):
    # given
    p = world.porta
    objective = _objective(world, in_scope)
    with in_scope(p.org):
        services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of="2025-01-10", value="4000.00"
        )
    # when
    with in_scope(p.org):
        services.objective_actual_record(
            organization=p.org, actor=p.lead, objective=objective, as_of=date(2025, 1, 10), value="4500.50"
        )
        actuals = list(
            ObjectiveActual.objects.filter(objective=objective).values_list("as_of", "value", "source", "entered_by")
        )
    # then
    assert actuals == [(date(2025, 1, 10), Decimal("4500.50"), "manual", p.lead.pk)]
    assert [
        changes
        for _actor, object_id, changes in _audit(p.org, in_scope, "objective.actual")
        if object_id == objective.pk
    ] == [
        {"as_of": [None, "2025-01-10"], "actual": [None, "4000.00"]},
        {"as_of": [None, "2025-01-10"], "actual": ["4000.00", "4500.50"]},
    ]


def test_an_actual_with_more_than_two_decimals_is_refused(world, in_scope):
    # given
    p = world.porta
    objective = _objective(world, in_scope)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of="2025-01-10", value=0.1 + 0.2
        ),
    )
    # then
    assert error.extra == {"value": "At most two decimals."}
    assert unchanged


# --- activities -----------------------------------------------------------------------------------


def _log_activity(p, actor=None, **fields):
    """Porta's AE (or `actor`) logs an activity on Porta's account (or `account`)."""
    return services.activity_log(
        organization=p.org,
        actor=actor or p.ae,
        **({"account": p.account, "kind": "call", "summary": "Called about the renewal"} | fields),
    )


def _log(world, in_scope, actor="ae", **fields):
    with in_scope(world.porta.org):
        return _log_activity(world.porta, actor=getattr(world.porta, actor), **fields)


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_an_activity_lasts_between_0_minutes_and_a_day(world, in_scope, minutes):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(p, kind="call", summary="Call", duration_minutes=minutes),
    )
    # then
    message = "The duration is between 0 minutes and a day (1440)."
    assert (error.message, error.extra) == (message, {"duration_minutes": message})
    assert unchanged


@pytest.mark.parametrize("minutes", [0, 1440])
def test_an_activity_of_0_minutes_or_a_whole_day_is_kept(world, in_scope, minutes):
    # when
    activity = _log(world, in_scope, duration_minutes=minutes)
    # then
    assert activity.duration_minutes == minutes


def test_a_next_step_needs_a_due_date(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(
            p,
            kind="call",
            summary="Call",
            next_step="Send the offer",
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "Give the next step a due date.",
        {"next_step_due": "Give the next step a due date."},
    )
    assert unchanged


def test_a_next_step_needs_an_owner(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(
            p, kind="call", summary="Call", next_step="Send the offer", next_step_due="2025-02-01", next_step_owner=None
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "Give the next step an owner.",
        {"next_step_owner": "Give the next step an owner."},
    )
    assert unchanged


def test_a_next_step_without_an_owner_given_belongs_to_who_logs_it(world, in_scope):
    # when
    activity = _log(world, in_scope, actor="ae2", next_step="Send the offer", next_step_due="2025-02-01")
    # then
    assert (activity.next_step, activity.next_step_due, activity.next_step_owner) == (
        "Send the offer",
        date(2025, 2, 1),
        world.porta.ae2,
    )


def test_a_next_step_owner_from_another_organisation_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(
            p,
            kind="call",
            summary="Call",
            next_step="Send",
            next_step_due="2025-02-01",
            next_step_owner=world.nordwind.ae,
        ),
    )
    # then
    assert error.extra == {"next_step_owner": "Choose an active member of this organisation."}
    assert unchanged


def test_an_activity_without_a_next_step_drops_its_owner(world, in_scope):
    # when: the form always sends an owner (the person logging)
    activity = _log(world, in_scope, next_step="  ", next_step_owner=world.porta.ae)
    # then
    assert (activity.next_step, activity.next_step_due, activity.next_step_owner) == ("", None, None)


def test_a_due_date_without_a_next_step_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(
            p, kind="call", summary="Call", next_step="  ", next_step_due="2025-02-01", next_step_owner=p.ae
        ),
    )
    # then
    message = "A due date needs a next step: say what it is, or clear the date."
    assert (error.message, error.extra) == (message, {"next_step": message})
    assert unchanged


def test_contacts_of_another_client_cannot_be_on_an_activity(world, in_scope):
    # given a contact of another porta client
    p = world.porta
    with in_scope(p.org):
        other = clients_services.client_create(
            organization=p.org, actor=p.admin, legal_name="Other SL", tax_id="12345678Z"
        )
        stranger = clients_services.contact_create(
            organization=p.org, actor=p.admin, client=other, full_name="Anna Puig"
        )
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(p, kind="visit", summary="Visit", contact_ids=[p.contact.pk, stranger.pk]),
    )
    # then
    assert (error.message, error.extra) == (
        "Choose contacts of this account's client.",
        {"contact_ids": "Choose contacts of this account's client."},
    )
    assert unchanged


def test_contacts_of_another_organisation_cannot_be_on_an_activity(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(p, kind="visit", summary="Visit", contact_ids=[world.nordwind.contact.pk]),
    )
    # then
    assert error.extra == {"contact_ids": "Choose contacts of this account's client."}
    assert unchanged


def test_an_activity_links_the_contacts_of_the_accounts_client(world, in_scope):
    # given
    p = world.porta
    # when
    activity = _log(world, in_scope, contact_ids=[p.contact.pk, p.contact.pk])
    # then
    with in_scope(p.org):
        assert list(Activity.objects.get(pk=activity.pk).contacts.values_list("pk", flat=True)) == [p.contact.pk]


def test_an_activity_on_an_account_one_cannot_see_is_not_found(world, in_scope):
    # given an account of ae2 with no team, which ae cannot see
    p = world.porta
    hidden = _open_account(world, in_scope, owner=p.ae2)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.activity_log(organization=p.org, actor=p.ae, account=hidden, kind="call", summary="Call"),
    )
    # then
    assert (error.status, error.code, error.message) == (404, "not_found", "Not found.")
    assert unchanged


def test_the_account_keeps_the_latest_activity_time_whatever_the_order_of_logging(world, in_scope):
    # given the world's visit two days ago
    p = world.porta
    latest = timezone.now() - timedelta(hours=1)
    older = timezone.now() - timedelta(days=20)
    # when
    _log(world, in_scope, occurred_at=latest)
    _log(world, in_scope, occurred_at=older)
    # then
    with in_scope(p.org):
        assert Account.objects.get(pk=p.account.pk).last_activity_at == latest


def test_moving_the_latest_activity_back_in_time_moves_the_accounts_last_activity(world, in_scope):
    # given
    p = world.porta
    activity = _log(world, in_scope, occurred_at=timezone.now() - timedelta(hours=1))
    # when
    with in_scope(p.org):
        services.activity_update(
            organization=p.org, actor=p.ae, activity=activity, occurred_at=p.activity.occurred_at - timedelta(days=1)
        )
        last_activity_at = Account.objects.get(pk=p.account.pk).last_activity_at
    # then the world's visit is the latest again
    assert last_activity_at == p.activity.occurred_at


def test_an_activity_cannot_be_in_the_future(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(p, kind="call", summary="Call", occurred_at=timezone.now() + timedelta(days=2)),
    )
    # then
    assert error.extra == {"occurred_at": "Log what happened: the date cannot be in the future."}
    assert unchanged


# --- incidents ------------------------------------------------------------------------------------


def test_the_sla_comes_from_the_organisations_setting_for_the_severity(world, in_scope):
    # given porta's SLA for high severity changed to 12 hours
    p = world.porta
    with in_scope(p.org):
        services.portfolio_settings_update(organization=p.org, actor=p.admin, sla_hours_high=12)
    # when
    with in_scope(p.org):
        incident = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Invoice wrong", severity="high", opened_at=OPENED
        )
        stored = Incident.objects.values_list("opened_at", "sla_due_at", "status", "resolved_at").get(pk=incident.pk)
    # then
    assert stored == (OPENED, OPENED + timedelta(hours=12), "open", None)


def test_another_organisations_sla_setting_does_not_apply(world, in_scope):
    # given nordwind's SLA for high severity changed to 12 hours
    n, p = world.nordwind, world.porta
    with in_scope(n.org):
        services.portfolio_settings_update(organization=n.org, actor=n.admin, sla_hours_high=12)
    # when
    with in_scope(p.org):
        incident = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Invoice wrong", severity="high", opened_at=OPENED
        )
    # then porta keeps the default of 8 hours
    assert incident.sla_due_at == OPENED + timedelta(hours=8)


def test_regrading_the_severity_moves_the_sla_and_is_audited(world, in_scope):
    # given
    p = world.porta
    with in_scope(p.org):
        services.portfolio_settings_update(organization=p.org, actor=p.admin, sla_hours_low=100, sla_hours_critical=2)
        incident = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Invoice wrong", severity="low", opened_at=OPENED
        )
    # when
    with in_scope(p.org):
        services.incident_update(organization=p.org, actor=p.ae2, incident=incident, severity="critical")
        sla_due_at = Incident.objects.get(pk=incident.pk).sla_due_at
    # then
    assert sla_due_at == OPENED + timedelta(hours=2)
    assert _audit(p.org, in_scope, "incident.update") == [
        (
            p.ae2.user.pk,
            incident.pk,
            {"severity": ["low", "critical"], "sla_due_at": ["2025-03-07T13:30:00+00:00", "2025-03-03T11:30:00+00:00"]},
        )
    ]


def test_resolving_stamps_the_time_and_reopening_clears_it(world, in_scope):
    # given
    p = world.porta
    # when resolved
    before = timezone.now()
    with in_scope(p.org):
        services.incident_update(organization=p.org, actor=p.ae, incident=p.incident, status="resolved")
        resolved_at = Incident.objects.get(pk=p.incident.pk).resolved_at
    after = timezone.now()
    # then
    assert before <= resolved_at <= after
    # when closed after that, the resolution time stays
    with in_scope(p.org):
        services.incident_update(organization=p.org, actor=p.ae, incident=p.incident, status="closed")
        closed = Incident.objects.values_list("status", "resolved_at").get(pk=p.incident.pk)
    assert closed == ("closed", resolved_at)
    # when reopened
    with in_scope(p.org):
        services.incident_update(organization=p.org, actor=p.ae, incident=p.incident, status="in_progress")
        reopened = Incident.objects.values_list("status", "resolved_at").get(pk=p.incident.pk)
    # then
    assert reopened == ("in_progress", None)


def test_an_incident_on_an_account_one_cannot_see_is_not_found(world, in_scope):
    # given
    p = world.porta
    hidden = _open_account(world, in_scope, owner=p.ae2)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.incident_open(organization=p.org, actor=p.ae, account=hidden, title="Invoice wrong"),
    )
    # then
    assert (error.status, error.code) == (404, "not_found")
    assert unchanged


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": "  "}, {"title": "This field is required."}),
        ({"title": "Late", "severity": "urgent"}, {"severity": "Choose a value from the list."}),
        (
            {"title": "Late", "assignee": Membership(pk=999999)},
            {"assignee": "Choose an active member of this organisation."},
        ),
        ({"title": "Late", "opened_at": "yesterday"}, {"opened_at": "Enter a date and time."}),
    ],
)
def test_a_bad_incident_is_refused(world, in_scope, fields, errors):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world, in_scope, lambda: services.incident_open(organization=p.org, actor=p.ae, account=p.account, **fields)
    )
    # then
    assert error.extra == errors
    assert unchanged


# --- portfolio settings ---------------------------------------------------------------------------


def test_an_admin_changes_the_portfolio_settings_and_it_is_audited(world, in_scope):
    # given the world set quiet_after_days to 30 (the default)
    p = world.porta
    # when
    with in_scope(p.org):
        services.portfolio_settings_update(
            organization=p.org, actor=p.admin, sla_hours_normal="24", quiet_after_days=14
        )
        stored = PortfolioSettings.objects.values_list(
            "sla_hours_low", "sla_hours_normal", "sla_hours_high", "sla_hours_critical", "quiet_after_days"
        ).get()
    # then
    assert stored == (120, 24, 8, 4, 14)
    assert _audit(p.org, in_scope, "settings.portfolio") == [
        (p.admin.user.pk, p.settings.pk, {"sla_hours_normal": [48, 24], "quiet_after_days": [30, 14]})
    ]


@pytest.mark.parametrize("role", ["lead", "ae", "finance"])
def test_only_an_admin_changes_the_portfolio_settings(world, in_scope, role):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.portfolio_settings_update(organization=p.org, actor=getattr(p, role), sla_hours_high=1),
    )
    # then
    assert (error.status, error.message) == (403, "Only an admin of this organisation may do that.")
    assert unchanged


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"sla_hours_high": 0}, {"sla_hours_high": "A whole number from 1 to 2160."}),
        ({"sla_hours_low": 2161}, {"sla_hours_low": "A whole number from 1 to 2160."}),
        ({"quiet_after_days": 366}, {"quiet_after_days": "A whole number from 1 to 365."}),
        ({"quiet_after_days": 1.5}, {"quiet_after_days": "A whole number from 1 to 365."}),
        # a more severe level never gets longer than a less severe one (now 120, 48, 8, 4)
        ({"sla_hours_critical": 200}, {"sla_hours_critical": "At most the hours of the less severe level (8)."}),
        (
            {"sla_hours_normal": 121, "sla_hours_high": 130},
            {
                "sla_hours_normal": "At most the hours of the less severe level (120).",
                "sla_hours_high": "At most the hours of the less severe level (121).",
            },
        ),
    ],
)
def test_portfolio_settings_are_bounded(world, in_scope, fields, errors):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world, in_scope, lambda: services.portfolio_settings_update(organization=p.org, actor=p.admin, **fields)
    )
    # then
    assert error.extra == errors
    assert unchanged


def test_two_requests_adding_the_same_objective_at_once_write_one_and_refuse_the_other(tworld):
    # given another request that has written the objective and not yet committed
    import threading

    from django.db import connection, transaction

    from tenancy.scope import tenant_scope

    p = tworld.porta
    fields = {"metric": "won_offers", "period_start": "2025-01-01", "period_end": "2025-01-30"}
    written, release = threading.Event(), threading.Event()

    def other_request():
        try:
            with transaction.atomic(), tenant_scope(p.org):
                services.objective_create(organization=p.org, actor=p.ae, account=p.account, target="3", **fields)
                written.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=other_request)
    other.start()
    assert written.wait(10)
    # when this request looks (it sees nothing committed) and inserts, blocking on the other's
    # row in the exclusion constraint's index until that one commits
    threading.Timer(0.5, release.set).start()
    with pytest.raises(ValidationError) as error, transaction.atomic(), tenant_scope(p.org):
        services.objective_create(organization=p.org, actor=p.ae, account=p.account, target="4", **fields)
    other.join(10)
    # then
    assert (
        refusal_messages(error.value)[0]
        == "This account already has a “Number of won offers” objective from 01/01/2025 to 30/01/2025."
    )
    with transaction.atomic(), tenant_scope(p.org):
        assert list(Objective.objects.filter(metric="won_offers").values_list("target", flat=True)) == [Decimal("3.00")]


# --- work goes to people who see the account (issue 11, defect 1) ----------------------------------


def _account_of_ae2_in_another_team(world, in_scope):
    """An account owned by ae2 in a team of porta that neither ae nor the lead leads or is in:
    ae does not see it (nor does the lead)."""
    p = world.porta
    with in_scope(p.org):
        north = tenancy_services.team_create(organization=p.org, actor=p.admin, name="Team North", members=[])
    return _open_account(world, in_scope, owner=p.ae2, sales_team=north)


def test_a_next_step_for_someone_who_cannot_see_the_account_is_refused(world, in_scope):
    # given
    p = world.porta
    theirs = _account_of_ae2_in_another_team(world, in_scope)
    # when: ae2 gives a next step on it to ae
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: _log_activity(
            p,
            actor=p.ae2,
            account=theirs,
            kind="call",
            summary="Call",
            next_step="Send the offer",
            next_step_due=date(2026, 2, 1),
            next_step_owner=p.ae,
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "Ae Porta cannot see this account: choose someone who can.",
        {"next_step_owner": "Choose someone who can see this account."},
    )
    assert unchanged


def test_an_incident_for_someone_who_cannot_see_the_account_is_refused_when_opened_and_when_reassigned(world, in_scope):
    # given
    p = world.porta
    theirs = _account_of_ae2_in_another_team(world, in_scope)
    with in_scope(p.org):
        incident = services.incident_open(organization=p.org, actor=p.ae2, account=theirs, title="Late")
    # when
    opened, opened_unchanged = _refusal(
        world,
        in_scope,
        lambda: services.incident_open(organization=p.org, actor=p.ae2, account=theirs, title="Late", assignee=p.ae),
    )
    reassigned, reassigned_unchanged = _refusal(
        world,
        in_scope,
        lambda: services.incident_update(organization=p.org, actor=p.ae2, incident=incident, assignee=p.ae),
    )
    # then
    refusal = (
        "Ae Porta cannot see this account: choose someone who can.",
        {"assignee": "Choose someone who can see this account."},
    )
    assert [(opened.message, opened.extra), (reassigned.message, reassigned.extra)] == [refusal, refusal]
    assert opened_unchanged and reassigned_unchanged


def test_finance_and_the_accounts_team_may_hold_its_work(world, in_scope):
    # given porta's account: ae2 on its team, finance sees every account
    p = world.porta
    # when
    with in_scope(p.org):
        activity = _log_activity(
            p,
            kind="call",
            summary="Call",
            next_step="Check the invoice",
            next_step_due=date(2026, 2, 1),
            next_step_owner=p.finance,
        )
        incident = services.incident_open(
            organization=p.org, actor=p.ae, account=p.account, title="Late", assignee=p.ae2
        )
    # then
    assert (activity.next_step_owner, incident.assignee) == (p.finance, p.ae2)


def test_reassigning_an_account_hands_the_previous_owner_s_open_next_steps_to_the_new_owner(world, in_scope):
    # given: on porta's account, ae's open next step (the world's), one ae has done, and finance's
    p = world.porta
    with in_scope(p.org):
        done = _log_activity(
            p,
            kind="call",
            summary="Call",
            next_step="Done already",
            next_step_due=date(2026, 1, 10),
        )
        services.activity_next_step_set_done(organization=p.org, actor=p.ae, activity=done)
        finance_s = _log_activity(
            p,
            kind="call",
            summary="Call",
            next_step="Check the invoice",
            next_step_due=date(2026, 1, 10),
            next_step_owner=p.finance,
        )
    # when
    with in_scope(p.org):
        result = services.account_reassign(organization=p.org, actor=p.lead, account=p.account, owner=p.ae2)
        owners = dict(
            Activity.objects.filter(pk__in=[p.activity.pk, done.pk, finance_s.pk]).values_list("pk", "next_step_owner")
        )
    # then: only the open one of the previous owner moved
    assert result.next_steps_moved == 1
    assert owners == {p.activity.pk: p.ae2.pk, done.pk: p.ae.pk, finance_s.pk: p.finance.pk}


# --- percentages, dates (issue 11, defects 3 and 15) --------------------------------------------------


@pytest.mark.parametrize(("value", "refused"), [("100.00", False), ("0", False), ("100.01", True), ("2500.75", True)])
def test_a_percentage_actual_is_between_0_and_100(world, in_scope, value, refused):
    # given an on-time payment objective
    p = world.porta
    objective = _objective(world, in_scope, metric="on_time_payment", target="95")
    call = lambda: services.objective_actual_record(  # noqa: E731
        organization=p.org, actor=p.ae, objective=objective, as_of="2025-01-10", value=value
    )
    # when / then
    if refused:
        error, unchanged = _refusal(world, in_scope, call)
        message = "A percentage is between 0 and 100."
        assert ((error.message, error.extra), unchanged) == ((message, {"value": message}), True)
    else:
        with in_scope(p.org):
            assert str(call().value) == str(Decimal(value).quantize(Decimal("0.01")))


def test_a_money_actual_may_be_over_100(world, in_scope):
    p = world.porta
    objective = _objective(world, in_scope)
    with in_scope(p.org):
        actual = services.objective_actual_record(
            organization=p.org, actor=p.ae, objective=objective, as_of="2025-01-10", value="2500.75"
        )
    assert actual.value == Decimal("2500.75")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda p: _log_activity(
                p,
                summary="Old",
                occurred_at=datetime(1, 1, 1, tzinfo=UTC),
            ),
            id="an activity in year 1",
        ),
        pytest.param(
            lambda p: services.incident_open(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                title="Far",
                opened_at=datetime(9999, 12, 31, tzinfo=UTC),
            ),
            id="an incident in year 9999",
        ),
        pytest.param(
            lambda p: services.account_update(
                organization=p.org, actor=p.ae, account=p.account, start_date=date(1899, 12, 31)
            ),
            id="an account started in 1899",
        ),
        pytest.param(
            lambda p: services.objective_create(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                metric="won_offers",
                period_start=date(2100, 1, 1),
                period_end=date(2101, 1, 1),
                target=Decimal("1"),
            ),
            id="an objective ending in 2101",
        ),
    ],
)
def test_dates_and_times_are_between_1900_and_2100(world, in_scope, call):
    # when
    error, unchanged = _refusal(world, in_scope, lambda: call(world.porta))
    # then
    assert (error.message, list(error.extra.values()), unchanged) == (
        "Enter a date from 1900 to 2100.",
        ["Enter a date from 1900 to 2100."],
        True,
    )


def test_the_database_keeps_an_activity_s_moment_in_range_whoever_writes_it(world, in_scope):
    # given: a write that skips the service (a bulk update)
    from django.db import IntegrityError

    p = world.porta
    # when / then: the list of activities can never meet a moment it cannot read back
    with pytest.raises(IntegrityError, match="activity_occurred_in_range"), in_scope(p.org):
        Activity.objects.filter(pk=p.activity.pk).update(occurred_at=datetime(1, 1, 1, tzinfo=UTC))


# --- an account's name, whatever its case (issue 11, item 1) ------------------------------------------


def test_renaming_an_account_to_another_s_name_in_another_case_is_refused(world, in_scope):
    # given a second account of porta's client
    p = world.porta
    second = _open_account(world, in_scope, name="Second Line")
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.account_update(organization=p.org, actor=p.admin, account=second, name="porta ACCOUNT"),
    )
    # then
    assert (error.message, error.extra) == (
        "This client already has an account with that name.",
        {"name": "Choose another name."},
    )
    assert unchanged
