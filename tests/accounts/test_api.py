"""The portfolio API: each role sees exactly the accounts the pages show it (and all that hangs
from them), the services decide who may change what, bad input is refused in the one error shape
and writes nothing, lists filter like the pages and page with a cursor in a fixed number of
queries."""

import json
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Account
from clients import services as clients_services
from tenancy import services as tenancy_services
from tenancy.models import AuditEvent, Team
from tenancy.scope import tenant_scope
from tests.factories import send_json, signed_in
from tests.tenancy.isolation import snapshot

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
ACCOUNT_NOT_FOUND = {
    "error": {
        "code": "not_found",
        "message": "Not found.",
        "fields": {"account": "No account you can see has this id."},
    }
}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _forbidden(message: str) -> dict:
    return {"error": {"code": "permission_denied", "message": message, "fields": {}}}


def _invalid(message: str, fields: dict) -> dict:
    return {"error": {"code": "invalid", "message": message, "fields": fields}}


def _same_field(message: str, field: str) -> dict:
    return _invalid(message, {field: message})


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _account(world, name: str, owner: str = "ae", team: bool | Team = True, **fields) -> Account:
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        return services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name=name,
            owner=getattr(p, owner),
            sales_team=p.team if team is True else team or None,
            currency="EUR",
            **fields,
        )


def _team_north(world) -> Team:
    """A team of porta that the lead does not lead."""
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        return tenancy_services.team_create(organization=p.org, actor=p.admin, name="Team North", member_ids=[p.ae2.pk])


@pytest.fixture
def private(world):
    """porta plus an account owned by ae2 in a team the lead does not lead, with a team member
    (finance), an objective, an activity and an incident: ae and the lead may not see any of it."""
    p = world.porta
    last_year = timezone.localdate().year - 1
    other = _account(world, "Private Account", owner="ae2", team=_team_north(world))
    with transaction.atomic(), tenant_scope(p.org):
        member = services.account_team_member_add(
            organization=p.org, actor=p.admin, account=other, membership=p.finance, role="finance_contact"
        )
        objective = services.objective_create(
            organization=p.org,
            actor=p.admin,
            account=other,
            metric="won_offers",
            period_start=date(last_year, 1, 1),
            period_end=date(last_year, 12, 31),
            target="10.00",
        )
        activity = services.activity_log(
            organization=p.org, actor=p.ae2, account=other, kind="call", summary="Private call", duration_minutes=15
        )
        incident = services.incident_open(organization=p.org, actor=p.ae2, account=other, title="Private incident")
    return SimpleNamespace(
        p=p,
        world=world,
        account=other,
        member=member,
        objective=objective,
        activity=activity,
        incident=incident,
        last_year=last_year,
    )


# --- Who sees what ------------------------------------------------------------------------------------

SEES_THE_PRIVATE_ACCOUNT = {"admin": True, "finance": True, "ae2": True, "lead": False, "ae": False}


@pytest.mark.parametrize("role", sorted(SEES_THE_PRIVATE_ACCOUNT))
def test_every_list_shows_exactly_what_the_role_sees(private, role):
    p, sees = private.p, SEES_THE_PRIVATE_ACCOUNT[role]
    browser = signed_in(getattr(p, role))
    expected = {
        "accounts": [private.account.pk, p.account.pk],
        "account-team": [private.member.pk, p.account_member.pk],
        "objectives": [private.objective.pk, p.objective.pk],
        "activities": [private.activity.pk, p.activity.pk],
        "incidents": [private.incident.pk, p.incident.pk],
    }
    if not sees:
        expected = {name: ids[1:] for name, ids in expected.items()}
    assert {name: _ids(browser.get(f"/api/v1/o/porta/{name}/")) for name in expected} == expected


def _private_routes(private, ids: dict) -> list[tuple[str, str, dict | None]]:
    p = private.p
    day = f"{private.last_year}-06-30"
    return [
        ("get", f"accounts/{ids['account']}/", None),
        ("patch", f"accounts/{ids['account']}/", {"tier": "strategic"}),
        ("get", f"accounts/{ids['account']}/audit/", None),
        ("get", f"account-team/{ids['member']}/", None),
        ("patch", f"account-team/{ids['member']}/", {"role": "project_manager"}),
        ("delete", f"account-team/{ids['member']}/", None),
        ("get", f"objectives/{ids['objective']}/", None),
        ("patch", f"objectives/{ids['objective']}/", {"target": "20.00"}),
        ("post", f"objectives/{ids['objective']}/actuals/", {"as_of": day, "value": "3.00"}),
        ("get", f"activities/{ids['activity']}/", None),
        ("patch", f"activities/{ids['activity']}/", {"summary": "Mine now"}),
        ("get", f"incidents/{ids['incident']}/", None),
        ("patch", f"incidents/{ids['incident']}/", {"status": "closed"}),
        ("post", "account-team/", {"account": ids["account"], "membership": p.lead.pk, "role": "project_manager"}),
        (
            "post",
            "objectives/",
            {
                "account": ids["account"],
                "metric": "won_offers",
                "period_start": day,
                "period_end": day,
                "target": "1.00",
            },
        ),
        ("post", "activities/", {"account": ids["account"], "summary": "A call"}),
        ("post", "incidents/", {"account": ids["account"], "title": "Broken"}),
    ]


@pytest.mark.parametrize("role", ["ae", "lead"])
def test_an_account_one_may_not_see_answers_like_one_that_does_not_exist_and_nothing_changes(private, role):
    browser = signed_in(getattr(private.p, role))
    hidden = {
        "account": private.account.pk,
        "member": private.member.pk,
        "objective": private.objective.pk,
        "activity": private.activity.pk,
        "incident": private.incident.pk,
    }
    missing = dict.fromkeys(hidden, 999999)
    before = snapshot()
    for (method, url, body), (_m, missing_url, missing_body) in zip(
        _private_routes(private, hidden), _private_routes(private, missing), strict=False
    ):
        answer = send_json(browser, method, f"/api/v1/o/porta/{url}", body)
        expected = ACCOUNT_NOT_FOUND if method == "post" and "account" in body else NOT_FOUND
        assert (answer.status_code, answer.json()) == (404, expected), (method, url)
        nonexistent = send_json(browser, method, f"/api/v1/o/porta/{missing_url}", missing_body)
        assert (nonexistent.status_code, nonexistent.json()) == (404, expected), (method, missing_url)
    assert snapshot() == before


def test_an_account_of_another_organisation_named_in_a_body_is_not_found_and_nothing_changes(world):
    browser = signed_in(world.porta.admin)
    before = snapshot()
    response = send_json(
        browser, "post", "/api/v1/o/porta/activities/", {"account": world.nordwind.account.pk, "summary": "A call"}
    )
    assert (response.status_code, response.json()) == (404, ACCOUNT_NOT_FOUND)
    assert snapshot() == before


# --- Accounts ----------------------------------------------------------------------------------------


def _porta_account(world, **changes) -> dict:
    p = world.porta
    return {
        "id": p.account.pk,
        "client": {"id": p.client.pk, "name": "Porta Client"},
        "name": "Porta Account",
        "owner": {"id": p.ae.pk, "full_name": "Ae Porta"},
        "sales_team": {"id": p.team.pk, "name": "Team Porta Digital"},
        "currency": "EUR",
        "payment_terms_days": 30,
        "credit_limit": "15000.00",
        "risk_rating": "unrated",
        "tier": "key",
        "status": "active",
        "start_date": p.account.start_date.isoformat(),
        "last_activity_at": p.activity.occurred_at,
        "has_overdue_next_steps": False,
    } | changes


def _body(response) -> dict:
    body = response.json()
    return body | {"last_activity_at": _moment(body["last_activity_at"])}


def test_an_account_reads_with_its_client_owner_team_terms_and_overdue_flag(world):
    response = signed_in(world.porta.ae2).get(f"/api/v1/o/porta/accounts/{world.porta.account.pk}/")
    assert (response.status_code, _body(response)) == (200, _porta_account(world))


def test_the_owner_changes_the_terms_and_only_the_fields_sent_change(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.ae),
        "patch",
        f"/api/v1/o/porta/accounts/{p.account.pk}/",
        {"credit_limit": "20000.50", "payment_terms_days": 60},
    )
    assert (response.status_code, _body(response)) == (
        200,
        _porta_account(world, credit_limit="20000.50", payment_terms_days=60),
    )
    with in_scope(p.org):
        event = AuditEvent.objects.filter(object_type="accounts.account", object_id=p.account.pk).latest("id")
        assert (event.action, event.actor_id, event.changes) == (
            "account.update",
            p.ae.user.pk,
            {"credit_limit": ["15000.00", "20000.50"], "payment_terms_days": [30, 60]},
        )


def test_finance_alone_sets_the_risk_rating(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.finance), "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"risk_rating": "high"}
    )
    assert (response.status_code, _body(response)) == (200, _porta_account(world, risk_rating="high"))
    with in_scope(p.org):
        event = AuditEvent.objects.filter(object_type="accounts.account", object_id=p.account.pk).latest("id")
        assert (event.action, event.actor_id, event.changes) == (
            "account.rate_risk",
            p.finance.user.pk,
            {"risk_rating": ["unrated", "high"]},
        )


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2"])
def test_no_one_else_sets_the_risk_rating_and_nothing_changes(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    before = snapshot()
    response = send_json(
        browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"risk_rating": "low", "tier": "strategic"}
    )
    assert (response.status_code, response.json()) == (403, _forbidden("Only finance sets risk ratings."))
    assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "body", "message"),
    [
        (
            "finance",
            {"credit_limit": "1.00"},
            "Only the account's owner, the lead of its team or an admin may change it.",
        ),
        ("ae2", {"tier": "strategic"}, "Only the account's owner, the lead of its team or an admin may change it."),
        ("ae", {"owner": "{ae2}"}, "Only the sales lead of the account's team or an admin may reassign it."),
    ],
)
def test_who_may_not_change_an_account_gets_403_and_nothing_changes(world, role, body, message):
    p = world.porta
    browser = signed_in(getattr(p, role))
    body = {k: p.ae2.pk if v == "{ae2}" else v for k, v in body.items()}
    before = snapshot()
    response = send_json(browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", body)
    assert (response.status_code, response.json()) == (403, _forbidden(message))
    assert snapshot() == before


def test_the_lead_reassigns_an_account_of_their_team(world):
    p = world.porta
    response = send_json(signed_in(p.lead), "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"owner": p.ae2.pk})
    assert (response.status_code, _body(response)) == (
        200,
        _porta_account(world, owner={"id": p.ae2.pk, "full_name": "Ae2 Porta"}),
    )


def test_a_lead_who_moves_an_account_out_of_their_team_gets_what_they_wrote_and_then_404(world):
    p = world.porta
    north = _team_north(world)
    browser = signed_in(p.lead)
    response = send_json(browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"sales_team": north.pk})
    assert (response.status_code, _body(response)) == (
        200,
        _porta_account(world, sales_team={"id": north.pk, "name": "Team North"}),
    )
    assert browser.get(f"/api/v1/o/porta/accounts/{p.account.pk}/").status_code == 404


def test_a_lead_keeps_seeing_an_account_of_their_team_s_member_that_has_no_team(world):
    # given: the lead takes the sales team off ae's account
    p = world.porta
    browser = signed_in(p.lead)
    response = send_json(browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"sales_team": None})
    # then: ae is in a team the lead leads, so the account stays in the lead's sight
    assert (response.status_code, _body(response)) == (200, _porta_account(world, sales_team=None))
    assert _body(browser.get(f"/api/v1/o/porta/accounts/{p.account.pk}/")) == _porta_account(world, sales_team=None)


def test_an_account_executive_opens_an_account_they_own(world):
    p = world.porta
    response = send_json(
        signed_in(p.ae),
        "post",
        "/api/v1/o/porta/accounts/",
        {
            "client": p.client.pk,
            "name": " Events ",
            "currency": "usd",
            "credit_limit": "2500",
            "start_date": "2026-01-15",
        },
    )
    body = response.json()
    assert (response.status_code, body) == (
        201,
        {
            "id": body["id"],
            "client": {"id": p.client.pk, "name": "Porta Client"},
            "name": "Events",
            "owner": {"id": p.ae.pk, "full_name": "Ae Porta"},
            "sales_team": None,
            "currency": "USD",
            "payment_terms_days": 30,
            "credit_limit": "2500.00",
            "risk_rating": "unrated",
            "tier": "standard",
            "status": "onboarding",
            "start_date": "2026-01-15",
            "last_activity_at": None,
            "has_overdue_next_steps": False,
        },
    )


@pytest.mark.parametrize(
    ("role", "body", "message"),
    [
        ("finance", {}, "Your role may not open accounts."),
        ("ae", {"owner": "{ae2}"}, "You can open accounts for yourself only."),
        ("ae", {"risk_rating": "low"}, "Only finance sets risk ratings."),
    ],
)
def test_who_may_not_open_an_account_gets_403_and_nothing_changes(world, role, body, message):
    p = world.porta
    browser = signed_in(getattr(p, role))
    body = {"client": p.client.pk, "name": "Second line"} | {
        k: p.ae2.pk if v == "{ae2}" else v for k, v in body.items()
    }
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/accounts/", body)
    assert (response.status_code, response.json()) == (403, _forbidden(message))
    assert snapshot() == before


def _account_input(w) -> dict:
    return {"client": w.porta.client.pk, "name": "Second line", "currency": "EUR"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            lambda w: _account_input(w) | {"currency": "XYZ"},
            _same_field("Unknown currency: use an ISO 4217 code such as EUR or USD.", "currency"),
        ),
        (
            lambda w: _account_input(w) | {"credit_limit": "-1.00"},
            _same_field("The credit limit cannot be negative.", "credit_limit"),
        ),
        (
            lambda w: _account_input(w) | {"payment_terms_days": -5},
            _same_field("Payment terms are between 0 and 365 days.", "payment_terms_days"),
        ),
        (
            lambda w: _account_input(w) | {"payment_terms_days": 366},
            _same_field("Payment terms are between 0 and 365 days.", "payment_terms_days"),
        ),
        (
            lambda w: _account_input(w) | {"owner": w.porta.finance.pk},
            _same_field("The owner must be an active account executive of this organisation.", "owner"),
        ),
        (
            lambda w: _account_input(w) | {"owner": w.nordwind.ae.pk},
            _same_field("The owner must be an active account executive of this organisation.", "owner"),
        ),
        (
            lambda w: _account_input(w) | {"client": w.nordwind.client.pk},
            _same_field("Choose a client of this organisation.", "client"),
        ),
        (
            lambda w: _account_input(w) | {"sales_team": w.nordwind.team.pk},
            _same_field("Choose a team of this organisation.", "sales_team"),
        ),
        (
            lambda w: _account_input(w) | {"name": "porta account"},
            _invalid("This client already has an account with that name.", {"name": "Choose another name."}),
        ),
        (
            lambda w: _account_input(w) | {"name": "X" * 201},
            _invalid(
                "Invalid input: Ensure this field has no more than 200 characters.",
                {"name": "Ensure this field has no more than 200 characters."},
            ),
        ),
        (
            lambda w: _account_input(w) | {"credit_limit": "12.345"},
            _invalid(
                "Invalid input: Ensure that there are no more than 2 decimal places.",
                {"credit_limit": "Ensure that there are no more than 2 decimal places."},
            ),
        ),
        (
            lambda w: _account_input(w) | {"credit_limit": "lots"},
            _invalid("Invalid input: A valid number is required.", {"credit_limit": "A valid number is required."}),
        ),
        (
            lambda w: _account_input(w) | {"credit_limit": "1000000000000.00"},
            _invalid(
                "Invalid input: Ensure that there are no more than 14 digits in total.",
                {"credit_limit": "Ensure that there are no more than 14 digits in total."},
            ),
        ),
        (
            lambda w: _account_input(w) | {"start_date": "15/01/2026"},
            _invalid(
                "Invalid input: Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
                {"start_date": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."},
            ),
        ),
        (
            lambda w: _account_input(w) | {"status": "thriving"},
            _invalid(
                'Invalid input: "thriving" is not a valid choice.', {"status": '"thriving" is not a valid choice.'}
            ),
        ),
        (
            lambda w: _account_input(w) | {"search_text": "x"},
            _invalid("Invalid input: Unknown field.", {"search_text": "Unknown field."}),
        ),
        (
            lambda w: '{"client": 1, "name": }',
            {
                "error": {
                    "code": "malformed_request",
                    "message": "The request body could not be parsed: JSON parse error - Expecting value: line 1 column 23 (char 22)",
                    "fields": {},
                }
            },
        ),
    ],
)
def test_bad_account_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    browser = signed_in(world.porta.ae)
    data = body(world)
    before = snapshot()
    response = send_json(
        browser, "post", "/api/v1/o/porta/accounts/", raw=data if isinstance(data, str) else json.dumps(data)
    )
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


def test_a_negative_credit_limit_on_an_existing_account_changes_nothing(world):
    p = world.porta
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(
        browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"credit_limit": "-0.01", "tier": "strategic"}
    )
    assert (response.status_code, response.json()) == (
        400,
        _same_field("The credit limit cannot be negative.", "credit_limit"),
    )
    assert snapshot() == before


# --- Audit trail ---------------------------------------------------------------------------------------


def _audit_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return [row | {"created_at": _moment(row["created_at"])} for row in response.json()["results"]]


def test_the_audit_trail_shows_the_account_and_its_client_newest_first(world, in_scope):
    p = world.porta
    send_json(signed_in(p.finance), "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"risk_rating": "medium"})
    with transaction.atomic(), tenant_scope(p.org):
        clients_services.client_update(organization=p.org, actor=p.lead, client=p.client, city="Girona")
    with in_scope(p.org):
        events = list(
            AuditEvent.objects.filter(
                object_type__in=["accounts.account", "clients.client"], object_id__in=[p.account.pk, p.client.pk]
            )
            .select_related("actor")
            .order_by("-id")
        )
        expected = [
            {
                "id": e.pk,
                "created_at": e.created_at,
                "actor": {"id": e.actor.pk, "full_name": e.actor.full_name},
                "action": e.action,
                "changes": e.changes,
            }
            for e in events
            if (e.object_type, e.object_id) in {("accounts.account", p.account.pk), ("clients.client", p.client.pk)}
        ]
    rows = _audit_rows(signed_in(p.ae).get(f"/api/v1/o/porta/accounts/{p.account.pk}/audit/"))
    assert [row["action"] for row in rows] == [
        "client.update",
        "account.rate_risk",
        "account.team_add",
        "account.create",
        "client.create",
    ]
    assert rows == expected
    assert rows[0]["changes"] == {"city": ["Lleida", "Girona"]} and rows[0]["actor"] == {
        "id": p.lead.user.pk,
        "full_name": "Lead Porta",
    }
    assert rows[2]["changes"] == {"team": [None, {"membership": p.ae2.pk, "account_role": "technical_specialist"}]}


def test_the_audit_trail_pages_with_a_cursor(world):
    p = world.porta
    browser = signed_in(p.ae)
    for days in (31, 45, 60):
        send_json(browser, "patch", f"/api/v1/o/porta/accounts/{p.account.pk}/", {"payment_terms_days": days})
    first = browser.get(f"/api/v1/o/porta/accounts/{p.account.pk}/audit/?page_size=4").json()
    second = browser.get(first["next"]).json()
    actions = [row["action"] for row in first["results"] + second["results"]]
    assert actions == ["account.update"] * 3 + ["account.team_add", "account.create", "client.create"]
    assert second["next"] is None and len({row["id"] for row in first["results"] + second["results"]}) == 6


# --- Account team --------------------------------------------------------------------------------------


def test_the_owner_adds_someone_to_the_account_team(world):
    p = world.porta
    response = send_json(
        signed_in(p.ae),
        "post",
        "/api/v1/o/porta/account-team/",
        {"account": p.account.pk, "membership": p.finance.pk, "role": "finance_contact"},
    )
    body = response.json()
    assert (response.status_code, {k: v for k, v in body.items() if k != "created_at"}) == (
        201,
        {
            "id": body["id"],
            "account": {"id": p.account.pk, "name": "Porta Account"},
            "membership": {"id": p.finance.pk, "full_name": "Finance Porta"},
            "role": "finance_contact",
        },
    )


def test_the_lead_changes_a_role_and_removes_a_member(world, in_scope):
    p = world.porta
    browser = signed_in(p.lead)
    changed = send_json(
        browser, "patch", f"/api/v1/o/porta/account-team/{p.account_member.pk}/", {"role": "project_manager"}
    )
    assert (changed.status_code, changed.json()["role"]) == (200, "project_manager")
    removed = browser.delete(f"/api/v1/o/porta/account-team/{p.account_member.pk}/")
    assert (removed.status_code, removed.content) == (204, b"")
    assert browser.get(f"/api/v1/o/porta/account-team/{p.account_member.pk}/").status_code == 404
    with in_scope(p.org):
        assert list(
            AuditEvent.objects.filter(object_id=p.account.pk, action__startswith="account.team")
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["account.team_add", "account.team_role", "account.team_remove"]


@pytest.mark.parametrize(
    ("role", "method", "body"),
    [
        ("ae2", "post", "add"),
        ("ae2", "patch", {"role": "project_manager"}),
        ("ae2", "delete", None),
        ("finance", "delete", None),
    ],
)
def test_who_may_not_change_the_account_team_gets_403_and_nothing_changes(world, role, method, body):
    p = world.porta
    browser = signed_in(getattr(p, role))
    url = (
        "/api/v1/o/porta/account-team/" if method == "post" else f"/api/v1/o/porta/account-team/{p.account_member.pk}/"
    )
    body = {"account": p.account.pk, "membership": p.lead.pk, "role": "project_manager"} if body == "add" else body
    before = snapshot()
    response = send_json(browser, method, url, body)
    assert (response.status_code, response.json()) == (
        403,
        _forbidden("Only the account's owner, the lead of its team or an admin may change its team."),
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            lambda w: {"account": w.porta.account.pk, "membership": w.porta.ae2.pk, "role": "project_manager"},
            _invalid("Ae2 Porta is already on this account's team.", {"membership": "Already on the team."}),
        ),
        (
            lambda w: {"account": w.porta.account.pk, "membership": w.nordwind.ae.pk, "role": "project_manager"},
            _same_field("Choose an active member of this organisation.", "membership"),
        ),
        (
            lambda w: {"account": w.porta.account.pk, "membership": w.porta.lead.pk, "role": "mascot"},
            _invalid('Invalid input: "mascot" is not a valid choice.', {"role": '"mascot" is not a valid choice.'}),
        ),
        (
            lambda w: {"account": w.porta.account.pk, "membership": w.porta.lead.pk},
            _invalid("Invalid input: This field is required.", {"role": "This field is required."}),
        ),
    ],
)
def test_bad_account_team_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    browser = signed_in(world.porta.ae)
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/account-team/", body(world))
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


# --- Objectives -----------------------------------------------------------------------------------------


def test_the_owner_sets_an_objective_and_records_actuals_and_sees_the_progress(world):
    p = world.porta
    year = timezone.localdate().year - 1
    browser = signed_in(p.ae)
    created = send_json(
        browser,
        "post",
        "/api/v1/o/porta/objectives/",
        {
            "account": p.account.pk,
            "metric": "revenue_invoiced",
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "target": "12000.00",
            "tolerance_pct": "5.00",
        },
    )
    body = created.json()
    expected = {
        "id": body["id"],
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "metric": "revenue_invoiced",
        "custom_metric_name": "",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "target": "12000.00",
        "tolerance_pct": "5.00",
        "actuals": [],
        "progress": {
            "actual": None,
            "expected": "12000.00",
            "elapsed_pct": 100,
            "progress_pct": None,
            "state": "no_data",
        },
    }
    assert (created.status_code, {k: v for k, v in body.items() if k != "created_at"}) == (201, expected)
    recorded = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{body['id']}/actuals/",
        {"as_of": f"{year}-06-30", "value": "3000.00"},
    )
    assert (recorded.status_code, {k: v for k, v in recorded.json().items() if k != "created_at"}) == (
        200,
        expected
        | {
            "actuals": [{"as_of": f"{year}-06-30", "value": "3000.00", "source": "manual"}],
            "progress": {
                "actual": "3000.00",
                "expected": "12000.00",
                "elapsed_pct": 100,
                "progress_pct": 25,
                "state": "behind",
            },
        },
    )
    changed = send_json(browser, "patch", f"/api/v1/o/porta/objectives/{body['id']}/", {"target": "3100.00"})
    assert (changed.status_code, changed.json()["target"], changed.json()["progress"]) == (
        200,
        "3100.00",
        {"actual": "3000.00", "expected": "3100.00", "elapsed_pct": 100, "progress_pct": 97, "state": "on_track"},
    )


def _objective_input(w) -> dict:
    year = timezone.localdate().year - 1
    return {
        "account": w.porta.account.pk,
        "metric": "revenue_invoiced",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "target": "100.00",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            lambda w: _objective_input(w) | {"period_end": f"{timezone.localdate().year - 2}-12-31"},
            _same_field("The period cannot end before it starts.", "period_end"),
        ),
        (
            lambda w: _objective_input(w) | {"metric": "custom"},
            _same_field("Name the custom metric.", "custom_metric_name"),
        ),
        (
            lambda w: _objective_input(w) | {"metric": "on_time_payment", "target": "101.00"},
            _same_field("A percentage target is at most 100.", "target"),
        ),
        (
            lambda w: _objective_input(w) | {"tolerance_pct": "150.00"},
            _same_field("The tolerance is between 0 and 100%.", "tolerance_pct"),
        ),
        (lambda w: _objective_input(w) | {"target": "-5.00"}, _same_field("It cannot be negative.", "target")),
        (
            lambda w: _objective_input(w) | {"metric": "happiness"},
            _invalid(
                'Invalid input: "happiness" is not a valid choice.', {"metric": '"happiness" is not a valid choice.'}
            ),
        ),
        (
            lambda w: _objective_input(w) | {"custom_metric_name": "X" * 101},
            _invalid(
                "Invalid input: Ensure this field has no more than 100 characters.",
                {"custom_metric_name": "Ensure this field has no more than 100 characters."},
            ),
        ),
    ],
)
def test_bad_objective_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    browser = signed_in(world.porta.ae)
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/objectives/", body(world))
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


def test_a_second_objective_for_the_same_metric_and_period_gets_a_clear_error_and_writes_nothing(world):
    # given the world's objective: revenue invoiced over this quarter
    p = world.porta
    browser = signed_in(p.ae)
    start, end = p.objective.period_start, p.objective.period_end
    before = snapshot()
    # when
    response = send_json(
        browser,
        "post",
        "/api/v1/o/porta/objectives/",
        {
            "account": p.account.pk,
            "metric": "revenue_invoiced",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "target": "1.00",
        },
    )
    # then
    message = f"This account already has a “Revenue invoiced” objective from {start:%d/%m/%Y} to {end:%d/%m/%Y}."
    assert (response.status_code, response.json()) == (
        400,
        _invalid(message, {"metric": "Already set for this period: change that objective instead."}),
    )
    assert snapshot() == before


def test_a_json_number_is_read_as_a_decimal_never_a_float(world):
    response = send_json(
        signed_in(world.porta.ae), "post", "/api/v1/o/porta/objectives/", _objective_input(world) | {"target": 0.1}
    )
    assert (response.status_code, response.json()["target"], response.json()["progress"]["expected"]) == (
        201,
        "0.10",
        "0.10",
    )


def test_an_actual_outside_the_period_or_in_the_future_changes_nothing(world):
    p = world.porta
    browser = signed_in(p.ae)
    start, end = p.objective.period_start, p.objective.period_end
    before = snapshot()
    outside = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{p.objective.pk}/actuals/",
        {"as_of": (start - timedelta(days=1)).isoformat(), "value": "1.00"},
    )
    future = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{p.objective.pk}/actuals/",
        {"as_of": (timezone.localdate() + timedelta(days=1)).isoformat(), "value": "1.00"},
    )
    negative = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{p.objective.pk}/actuals/",
        {"as_of": timezone.localdate().isoformat(), "value": "-1.00"},
    )
    assert (outside.status_code, outside.json()) == (
        400,
        _invalid(
            "The date must be inside the objective's period.",
            {"as_of": f"Between {start:%d/%m/%Y} and {end:%d/%m/%Y}."},
        ),
    )
    assert (future.status_code, future.json()) == (
        400,
        _invalid("An actual cannot be in the future.", {"as_of": "Today or earlier."}),
    )
    assert (negative.status_code, negative.json()) == (400, _same_field("It cannot be negative.", "value"))
    assert snapshot() == before


@pytest.mark.parametrize("role", ["finance", "ae2"])
def test_who_may_not_set_objectives_gets_403_and_nothing_changes(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    before = snapshot()
    message = _forbidden("Only the account's owner, the lead of its team or an admin may set its objectives.")
    created = send_json(browser, "post", "/api/v1/o/porta/objectives/", _objective_input(world))
    changed = send_json(browser, "patch", f"/api/v1/o/porta/objectives/{p.objective.pk}/", {"target": "1.00"})
    recorded = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{p.objective.pk}/actuals/",
        {"as_of": timezone.localdate().isoformat(), "value": "1.00"},
    )
    assert [(r.status_code, r.json()) for r in (created, changed, recorded)] == [(403, message)] * 3
    assert snapshot() == before


# --- Activities ------------------------------------------------------------------------------------------


def test_an_account_executive_logs_a_visit_with_a_contact_and_a_next_step(world):
    p = world.porta
    when = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    due = timezone.localdate() + timedelta(days=7)
    response = send_json(
        signed_in(p.ae2),
        "post",
        "/api/v1/o/porta/activities/",
        {
            "account": p.account.pk,
            "kind": "meeting",
            "occurred_at": when.isoformat(),
            "duration_minutes": 90,
            "summary": " Quarterly review ",
            "outcome": "Happy",
            "contact_ids": [p.contact.pk],
            "next_step": "Send the minutes",
            "next_step_due": due.isoformat(),
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} | {
        "occurred_at": _moment(body["occurred_at"])
    } == {
        "id": body["id"],
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "kind": "meeting",
        "occurred_at": when,
        "duration_minutes": 90,
        "summary": "Quarterly review",
        "outcome": "Happy",
        "contacts": [{"id": p.contact.pk, "full_name": "Contact Porta"}],
        "next_step": "Send the minutes",
        "next_step_due": due.isoformat(),
        "next_step_owner": {"id": p.ae2.pk, "full_name": "Ae2 Porta"},
        "next_step_done_at": None,
        "created_by": {"id": p.ae2.pk, "full_name": "Ae2 Porta"},
    }


def test_an_activity_patch_changes_only_the_fields_sent(world):
    p = world.porta
    response = send_json(
        signed_in(p.ae),
        "patch",
        f"/api/v1/o/porta/activities/{p.activity.pk}/",
        {"outcome": "They will think about it", "contact_ids": []},
    )
    body = response.json()
    assert (response.status_code, body["outcome"], body["contacts"], body["summary"], body["next_step"]) == (
        200,
        "They will think about it",
        [],
        "Visit to porta client",
        "Send porta proposal",
    )


def _activity_input(w) -> dict:
    return {"account": w.porta.account.pk, "kind": "call", "summary": "A call", "duration_minutes": 10}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            lambda w: _activity_input(w) | {"duration_minutes": -1},
            _same_field("The duration is between 0 minutes and a day (1440).", "duration_minutes"),
        ),
        (
            lambda w: _activity_input(w) | {"duration_minutes": 1441},
            _same_field("The duration is between 0 minutes and a day (1440).", "duration_minutes"),
        ),
        (
            lambda w: _activity_input(w) | {"contact_ids": [w.other_contact.pk]},
            _same_field("Choose contacts of this account's client.", "contact_ids"),
        ),
        (
            lambda w: _activity_input(w) | {"contact_ids": [w.nordwind.contact.pk]},
            _same_field("Choose contacts of this account's client.", "contact_ids"),
        ),
        (
            lambda w: _activity_input(w) | {"next_step": "Call back"},
            _same_field("Give the next step a due date.", "next_step_due"),
        ),
        (
            lambda w: (
                _activity_input(w)
                | {"next_step": "Call back", "next_step_due": "2026-12-01", "next_step_owner": w.nordwind.ae.pk}
            ),
            _same_field("Choose an active member of this organisation.", "next_step_owner"),
        ),
        (
            lambda w: _activity_input(w) | {"occurred_at": (timezone.now() + timedelta(days=3)).isoformat()},
            _same_field("Log what happened: the date cannot be in the future.", "occurred_at"),
        ),
        (
            lambda w: _activity_input(w) | {"summary": "X" * 4001},
            _invalid(
                "Invalid input: Ensure this field has no more than 4000 characters.",
                {"summary": "Ensure this field has no more than 4000 characters."},
            ),
        ),
        (
            lambda w: _activity_input(w) | {"contact_ids": ["x"]},
            _invalid("Invalid input: A valid integer is required.", {"contact_ids.0": "A valid integer is required."}),
        ),
        (
            lambda w: _activity_input(w) | {"kind": "telepathy"},
            _invalid(
                'Invalid input: "telepathy" is not a valid choice.', {"kind": '"telepathy" is not a valid choice.'}
            ),
        ),
        (
            lambda w: _activity_input(w) | {"created_by": w.porta.admin.pk},
            _invalid("Invalid input: Unknown field.", {"created_by": "Unknown field."}),
        ),
    ],
)
def test_bad_activity_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        other_client = clients_services.client_create(
            organization=p.org, actor=p.admin, legal_name="Other SL", tax_id="12345678Z"
        )
        world.other_contact = clients_services.contact_create(
            organization=p.org, actor=p.admin, client=other_client, full_name="Not theirs"
        )
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/activities/", body(world))
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["finance", "ae2"])
def test_who_may_not_change_an_activity_gets_403_and_nothing_changes(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    before = snapshot()
    response = send_json(browser, "patch", f"/api/v1/o/porta/activities/{p.activity.pk}/", {"summary": "Rewritten"})
    assert (response.status_code, response.json()) == (
        403,
        _forbidden(
            "Only the person who logged it, the next step's owner, the account's owner or lead, or an admin may change this activity."
        ),
    )
    assert snapshot() == before


# --- Incidents -------------------------------------------------------------------------------------------


def test_anyone_who_sees_the_account_opens_and_works_an_incident(world):
    p = world.porta
    opened_at = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    response = send_json(
        signed_in(p.ae2),
        "post",
        "/api/v1/o/porta/incidents/",
        {
            "account": p.account.pk,
            "title": "Invoice wrong",
            "severity": "critical",
            "assignee": p.finance.pk,
            "opened_at": opened_at.isoformat(),
        },
    )
    body = response.json()
    assert response.status_code == 201
    moments = {k: _moment(body[k]) for k in ("opened_at", "sla_due_at", "resolved_at")}
    assert {
        k: v for k, v in body.items() if k not in ("opened_at", "sla_due_at", "resolved_at", "created_at", "updated_at")
    } == {
        "id": body["id"],
        "account": {"id": p.account.pk, "name": "Porta Account"},
        "title": "Invoice wrong",
        "description": "",
        "severity": "critical",
        "status": "open",
        "assignee": {"id": p.finance.pk, "full_name": "Finance Porta"},
        "is_overdue": False,
    }
    assert moments == {"opened_at": opened_at, "sla_due_at": opened_at + timedelta(hours=4), "resolved_at": None}
    resolved = send_json(
        signed_in(p.finance), "patch", f"/api/v1/o/porta/incidents/{body['id']}/", {"status": "resolved"}
    )
    assert (resolved.status_code, resolved.json()["status"], resolved.json()["resolved_at"] is not None) == (
        200,
        "resolved",
        True,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"severity": "apocalyptic"},
            _invalid(
                'Invalid input: "apocalyptic" is not a valid choice.',
                {"severity": '"apocalyptic" is not a valid choice.'},
            ),
        ),
        (
            {"status": "forgotten"},
            _invalid(
                'Invalid input: "forgotten" is not a valid choice.', {"status": '"forgotten" is not a valid choice.'}
            ),
        ),
        ({"assignee": "{nordwind_ae}"}, _same_field("Choose an active member of this organisation.", "assignee")),
        (
            {"title": "X" * 201},
            _invalid(
                "Invalid input: Ensure this field has no more than 200 characters.",
                {"title": "Ensure this field has no more than 200 characters."},
            ),
        ),
        (
            {"title": ""},
            _invalid("Invalid input: This field may not be blank.", {"title": "This field may not be blank."}),
        ),
        ({"account": 1}, _invalid("Invalid input: Unknown field.", {"account": "Unknown field."})),
    ],
)
def test_bad_incident_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    p = world.porta
    browser = signed_in(p.ae)
    body = {k: world.nordwind.ae.pk if v == "{nordwind_ae}" else v for k, v in body.items()}
    before = snapshot()
    response = send_json(browser, "patch", f"/api/v1/o/porta/incidents/{p.incident.pk}/", body)
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


# --- Filters, like the pages --------------------------------------------------------------------------------


def test_the_account_list_filters_like_the_portfolio(world):
    p = world.porta
    dormant = _account(world, "Dormant Line", owner="ae2", status="dormant", tier="growth")
    with transaction.atomic(), tenant_scope(p.org):
        services.activity_log(
            organization=p.org,
            actor=p.ae2,
            account=dormant,
            kind="call",
            summary="Chase",
            next_step="Call again",
            next_step_due=timezone.localdate() - timedelta(days=2),
            next_step_owner=p.ae2,
        )
    browser = signed_in(p.lead)
    assert _ids(browser.get("/api/v1/o/porta/accounts/?status=active")) == [p.account.pk]
    assert _ids(browser.get("/api/v1/o/porta/accounts/?status=dormant")) == [dormant.pk]
    assert _ids(browser.get("/api/v1/o/porta/accounts/?has_overdue_next_steps=true")) == [dormant.pk]
    assert _ids(browser.get("/api/v1/o/porta/accounts/?has_overdue_next_steps=false")) == [p.account.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/accounts/?owner={p.ae2.pk}")) == [dormant.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/accounts/?sales_team={p.team.pk}&tier=key")) == [p.account.pk]
    assert _ids(browser.get("/api/v1/o/porta/accounts/?q=dormant&sort=name")) == [dormant.pk]
    assert _ids(browser.get("/api/v1/o/porta/accounts/?sector=retail&risk_rating=unrated")) == [
        dormant.pk,
        p.account.pk,
    ]
    assert (
        browser.get("/api/v1/o/porta/accounts/?has_overdue_next_steps=true").json()["results"][0][
            "has_overdue_next_steps"
        ]
        is True
    )


def test_a_filter_naming_another_organisations_person_is_a_400(world):
    response = signed_in(world.porta.admin).get(f"/api/v1/o/porta/accounts/?owner={world.nordwind.ae.pk}")
    message = "Select a valid choice. That choice is not one of the available choices."
    assert (response.status_code, response.json()) == (400, _invalid(f"Invalid input: {message}", {"owner": message}))


def test_the_incident_activity_objective_and_team_lists_filter_like_their_pages(world, in_scope):
    p = world.porta
    second = _account(world, "Second Line")
    with in_scope(p.org):
        low = services.incident_open(
            organization=p.org, actor=p.ae, account=second, title="Small thing", severity="low", status="resolved"
        )
        late = services.incident_open(
            organization=p.org,
            actor=p.ae,
            account=second,
            title="Late",
            severity="normal",
            opened_at=timezone.now() - timedelta(days=5),
        )
        call = services.activity_log(
            organization=p.org,
            actor=p.ae,
            account=second,
            kind="call",
            summary="Call",
            occurred_at=timezone.now() - timedelta(days=40),
        )
        objective = services.objective_create(
            organization=p.org,
            actor=p.ae,
            account=second,
            metric="won_offers",
            period_start=date(2020, 1, 1),
            period_end=date(2020, 12, 31),
            target="3.00",
        )
        member = services.account_team_member_add(
            organization=p.org, actor=p.ae, account=second, membership=p.lead, role="project_manager"
        )
    browser = signed_in(p.ae)
    assert _ids(browser.get("/api/v1/o/porta/incidents/")) == [late.pk, low.pk, p.incident.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?status=open")) == [late.pk, p.incident.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?status=unresolved")) == [late.pk, p.incident.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?status=resolved")) == [low.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?severity=high")) == [p.incident.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?scope=mine")) == [p.incident.pk]
    assert _ids(browser.get("/api/v1/o/porta/incidents/?overdue=true")) == [late.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/incidents/?account={second.pk}")) == [late.pk, low.pk]
    assert _ids(browser.get("/api/v1/o/porta/activities/?open_next_step=true")) == [p.activity.pk]
    assert _ids(browser.get("/api/v1/o/porta/activities/?kind=call")) == [call.pk]
    assert _ids(
        browser.get(
            f"/api/v1/o/porta/activities/?occurred_after={(timezone.now() - timedelta(days=10)).date().isoformat()}T00:00:00Z"
        )
    ) == [p.activity.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/objectives/?account={second.pk}")) == [objective.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/objectives/?active_on={timezone.localdate().isoformat()}")) == [
        p.objective.pk
    ]
    assert _ids(browser.get("/api/v1/o/porta/objectives/?metric=won_offers")) == [objective.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/account-team/?account={second.pk}")) == [member.pk]
    assert _ids(browser.get(f"/api/v1/o/porta/account-team/?membership={p.ae2.pk}")) == [p.account_member.pk]


# --- Pages and query counts -------------------------------------------------------------------------------


def _walk(browser, url: str) -> list[list[int]]:
    pages = []
    while url:
        body = browser.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    return pages


def test_the_account_list_pages_with_a_cursor_newest_first_without_duplicates(world):
    p = world.porta
    added = [_account(world, f"Line {n}").pk for n in range(4)]
    browser = signed_in(p.ae)
    assert _walk(browser, "/api/v1/o/porta/accounts/?page_size=2&sort=-name") == [
        added[::-1][:2],
        added[::-1][2:],
        [p.account.pk],
    ]
    second = browser.get(browser.get("/api/v1/o/porta/accounts/?page_size=2").json()["next"]).json()
    assert [row["id"] for row in browser.get(second["previous"]).json()["results"]] == added[::-1][:2]


def test_the_activity_list_pages_with_a_cursor_without_duplicates(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        logged = [
            services.activity_log(
                organization=p.org, actor=p.ae, account=p.account, kind="note", summary=f"Note {n}"
            ).pk
            for n in range(4)
        ]
    assert _walk(signed_in(p.ae), "/api/v1/o/porta/activities/?page_size=3") == [
        logged[::-1][:3],
        [logged[0], p.activity.pk],
    ]


def _grow_accounts(world):
    for n in range(49):
        _account(world, f"Bulk {n:03d}", tier="growth" if n % 2 else "key")


def _grow_objectives(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(49):
            # a week each: two objectives of a metric never share a day
            start = date(2020, 1, 1) + timedelta(weeks=n)
            objective = services.objective_create(
                organization=p.org,
                actor=p.admin,
                account=p.account,
                metric="won_offers",
                period_start=start,
                period_end=start + timedelta(days=6),
                target=f"{n + 1}.00",
            )
            services.objective_actual_record(
                organization=p.org, actor=p.admin, objective=objective, as_of=start, value="1.00"
            )


def _grow_activities(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(49):
            services.activity_log(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                kind="call",
                summary=f"Call {n}",
                contact_ids=[p.contact.pk],
                next_step=f"Step {n}",
                next_step_due=timezone.localdate(),
                next_step_owner=p.ae2 if n % 2 else p.ae,
            )


def _grow_incidents(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(49):
            services.incident_open(
                organization=p.org,
                actor=p.ae,
                account=p.account,
                title=f"Incident {n}",
                assignee=p.ae2 if n % 2 else p.finance,
            )


def _grow_team(world):
    p = world.porta
    people = [p.admin, p.lead, p.finance]
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(16):
            account = services.account_create(
                organization=p.org,
                actor=p.admin,
                client=p.client,
                name=f"Team line {n}",
                owner=p.ae,
                sales_team=p.team,
            )
            for person in people:
                services.account_team_member_add(
                    organization=p.org, actor=p.admin, account=account, membership=person, role="project_manager"
                )
        account = services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Team line last",
            owner=p.ae,
            sales_team=p.team,
        )
        services.account_team_member_add(
            organization=p.org, actor=p.admin, account=account, membership=p.lead, role="project_manager"
        )


def _grow_audit(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(47):
            services.account_update(
                organization=p.org, actor=p.lead if n % 2 else p.ae, account=p.account, payment_terms_days=100 + n
            )


# user, organisation, savepoint, tenant setting, membership, [rows (+ one prefetch)], setting reset, release
@pytest.mark.parametrize(
    ("url", "grow", "queries"),
    [
        ("accounts/", _grow_accounts, 8),
        ("objectives/", _grow_objectives, 9),
        ("activities/", _grow_activities, 9),
        ("incidents/", _grow_incidents, 8),
        ("account-team/", _grow_team, 8),
        ("accounts/{account}/audit/", _grow_audit, 9),
    ],
)
def test_each_list_takes_the_same_queries_with_1_and_with_50_rows(world, django_assert_num_queries, url, grow, queries):
    p = world.porta
    browser = signed_in(p.ae)
    url = "/api/v1/o/porta/" + url.format(account=p.account.pk) + "?page_size=200"
    with django_assert_num_queries(queries):
        one = browser.get(url)
    grow(world)
    with django_assert_num_queries(queries):
        many = browser.get(url)
    first = 3 if "audit" in url else 1
    assert (len(_ids(one)), len(_ids(many))) == (first, 50)


# --- issue 11: work for who sees the account, percentages, dates, filters -------------------------------


def test_a_next_step_or_an_incident_for_someone_who_cannot_see_the_account_is_a_400_and_writes_nothing(world):
    # given: ae2's account in a team the lead does not lead, which ae does not see
    p = world.porta
    theirs = _account(world, "Theirs", owner="ae2", team=_team_north(world))
    browser = signed_in(p.ae2)
    before = snapshot()
    # when
    step = send_json(
        browser,
        "post",
        "/api/v1/o/porta/activities/",
        {
            "account": theirs.pk,
            "summary": "A call",
            "next_step": "Send the offer",
            "next_step_due": "2026-12-01",
            "next_step_owner": p.ae.pk,
        },
    )
    incident = send_json(
        browser, "post", "/api/v1/o/porta/incidents/", {"account": theirs.pk, "title": "Late", "assignee": p.ae.pk}
    )
    # then
    message = "Ae Porta cannot see this account: choose someone who can."
    assert [(r.status_code, r.json()) for r in (step, incident)] == [
        (400, _invalid(message, {"next_step_owner": "Choose someone who can see this account."})),
        (400, _invalid(message, {"assignee": "Choose someone who can see this account."})),
    ]
    assert snapshot() == before


def test_a_percentage_actual_over_100_is_a_400_and_writes_nothing(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        objective = services.objective_create(
            organization=p.org,
            actor=p.ae,
            account=p.account,
            metric="on_time_payment",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            target="95",
        )
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/objectives/{objective.pk}/actuals/",
        {"as_of": "2025-06-30", "value": "2500.75"},
    )
    assert (response.status_code, response.json()) == (
        400,
        _same_field("A percentage is between 0 and 100.", "value"),
    )
    assert snapshot() == before


OUT_OF_RANGE = "Enter a date from 1900 to 2100."


@pytest.mark.parametrize(
    ("url", "method", "body", "field", "message"),
    [
        (
            "activities/",
            "post",
            lambda w: {"account": w.porta.account.pk, "summary": "Old", "occurred_at": "1850-06-01T10:00:00Z"},
            "occurred_at",
            OUT_OF_RANGE,
        ),
        (
            "activities/",
            "post",
            lambda w: {"account": w.porta.account.pk, "summary": "Old", "occurred_at": "0001-01-01T00:00:00"},
            "occurred_at",
            OUT_OF_RANGE,
        ),
        ("accounts/{account}/", "patch", lambda w: {"start_date": "1899-12-31"}, "start_date", OUT_OF_RANGE),
        # the last hour of year 9999 is in year 10000 in Madrid, where the API reads it: refused as it is read
        (
            "incidents/",
            "post",
            lambda w: {"account": w.porta.account.pk, "title": "Far", "opened_at": "9999-12-31T23:00:00Z"},
            "opened_at",
            "Datetime value out of range.",
        ),
    ],
)
def test_a_date_outside_1900_to_2100_is_a_400_and_writes_nothing(world, url, method, body, field, message):
    p = world.porta
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(browser, method, "/api/v1/o/porta/" + url.format(account=p.account.pk), body(world))
    said = message if message == OUT_OF_RANGE else f"Invalid input: {message}"
    assert (response.status_code, response.json()) == (400, _invalid(said, {field: message}))
    assert snapshot() == before


def test_a_moment_with_an_offset_the_database_does_not_take_filters_instead_of_failing(world):
    # given: +19:00 is a valid ISO 8601 offset that PostgreSQL refuses (it takes up to 15:59)
    browser = signed_in(world.porta.ae)
    # when
    late = browser.get("/api/v1/o/porta/activities/?occurred_after=2026-01-01T00:00:00%2B19:00")
    early = browser.get("/api/v1/o/porta/activities/?occurred_before=1970-01-01T00:00:00%2B19:00")
    # then: read as the moment it names (2025-12-31 05:00 UTC)
    assert (late.status_code, early.status_code, _ids(early)) == (200, 200, [])


@pytest.mark.parametrize(
    "query",
    [
        "occurred_after=0001-01-01T00:00:00Z",
        "occurred_before=9999-12-31T00:00:00Z",
        "occurred_after=2026-01-01T00:00:00%2B25:00",
        "occurred_after=yesterday",
    ],
)
def test_a_moment_the_filter_cannot_read_is_a_400_naming_it(world, query):
    response = signed_in(world.porta.ae).get(f"/api/v1/o/porta/activities/?{query}")
    name = query.split("=")[0]
    assert (response.status_code, response.json()["error"]["code"], list(response.json()["error"]["fields"])) == (
        400,
        "invalid",
        [name],
    )


def test_a_day_filter_outside_1900_to_2100_is_a_400(world):
    response = signed_in(world.porta.ae).get("/api/v1/o/porta/objectives/?active_on=0001-01-01")
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"active_on": "Enter a date from 1900 to 2100."},
    )
