"""Finance's risk policy: the model's rules at their boundaries, version 1 for every
organisation, a change is a new version (never an update), who may change it, refusals that
change nothing, the audit trail, and two people saving at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from billing.models import RiskPolicy
from billing.selectors_risk import risk_policy_current, risk_policy_history, risk_policy_versions
from billing.services_risk import risk_policy_ensure_default, risk_policy_update
from config.errors import ApplicationError
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tenancy.services import organization_create

D = Decimal
DEFAULTS = {
    "version": 1,
    "max_exposure_percent": D("100.00"),
    "overdue_tolerance_amount": D("2000.00"),
    "overdue_tolerance_days": 60,
    "min_margin_percent": D("15.00"),
    "max_line_discount_percent": D("15.00"),
    "max_discount_percent": D("10.00"),
    "max_payment_terms_days": 60,
    "note": "",
    "created_by_id": None,
}


def _rules(policy: RiskPolicy) -> dict:
    return {name: getattr(policy, name) for name in DEFAULTS}


def _versions(org, in_scope) -> list[tuple]:
    with in_scope(org):
        return list(
            RiskPolicy.objects.order_by("version").values_list("version", "max_discount_percent", "created_by_id")
        )


def _errors(policy: RiskPolicy) -> dict:
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    return error.value.message_dict


# --- The model -----------------------------------------------------------------------------------


def test_every_organisation_of_the_world_has_version_1_with_the_defaults(world, in_scope):
    for o in (world.porta, world.nordwind):
        with in_scope(o.org):
            assert _rules(risk_policy_current(organization=o.org)) == DEFAULTS


def test_a_new_organisation_starts_with_version_1_and_its_creation_is_audited(db):
    # when
    org = organization_create(name="Fresh", slug="fresh")
    # then
    with transaction.atomic(), tenant_scope(org):
        assert _rules(risk_policy_current(organization=org)) == DEFAULTS
        assert list(AuditEvent.objects.filter(action="risk_policy.create").values_list("actor", "changes")) == [
            (
                None,
                {
                    "version": [None, 1],
                    "max_exposure_percent": [None, "100.00"],
                    "overdue_tolerance_amount": [None, "2000.00"],
                    "overdue_tolerance_days": [None, 60],
                    "min_margin_percent": [None, "15.00"],
                    "max_line_discount_percent": [None, "15.00"],
                    "max_discount_percent": [None, "10.00"],
                    "max_payment_terms_days": [None, 60],
                    "note": [None, ""],
                },
            )
        ]
        # and again changes nothing
        assert risk_policy_ensure_default(org) is None
        assert RiskPolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "good", "bad", "message"),
    [
        ("max_exposure_percent", D("0"), D("-0.01"), "It cannot be negative."),
        ("max_exposure_percent", D("9999.99"), D("10000"), "That percentage is too large."),
        ("overdue_tolerance_amount", D("0"), D("-0.01"), "It cannot be negative."),
        ("overdue_tolerance_days", 0, -1, "A number of days from 0 to 365."),
        ("overdue_tolerance_days", 365, 366, "A number of days from 0 to 365."),
        ("min_margin_percent", D("0"), D("-0.01"), "A percentage from 0 to 100."),
        ("min_margin_percent", D("100"), D("100.01"), "A percentage from 0 to 100."),
        ("max_line_discount_percent", D("100"), D("100.01"), "A percentage from 0 to 100."),
        ("max_line_discount_percent", D("0"), D("-0.01"), "A percentage from 0 to 100."),
        ("max_discount_percent", D("100"), D("100.01"), "A percentage from 0 to 100."),
        ("max_discount_percent", D("0"), D("-0.01"), "A percentage from 0 to 100."),
        ("max_payment_terms_days", 365, 366, "A number of days from 0 to 365."),
        ("max_payment_terms_days", 0, -1, "A number of days from 0 to 365."),
        ("min_margin_percent", D("12.5"), D("12.345"), "At most two decimals."),
        ("overdue_tolerance_days", 30, 30.5, "A number of days from 0 to 365."),
    ],
)
def test_each_rule_at_its_boundary(world, in_scope, field, good, bad, message):
    p = world.porta
    with in_scope(p.org):
        RiskPolicy(organization=p.org, version=2, **{field: good}).full_clean()
        assert _errors(RiskPolicy(organization=p.org, version=2, **{field: bad})) == {field: [message]}


def test_the_database_refuses_what_the_model_refuses(world, in_scope):
    p = world.porta
    with in_scope(p.org), pytest.raises(IntegrityError, match="riskpolicy_max_discount_percent_range"):
        RiskPolicy.objects.create(organization=p.org, version=2, max_discount_percent=D("100.01"))


def test_a_version_number_is_unique_in_an_organisation_not_across(world, in_scope):
    p, n = world.porta, world.nordwind
    with in_scope(p.org):
        assert _errors(RiskPolicy(organization=p.org, version=1)) == {
            "__all__": [
                "Someone else changed the risk policy at the same time: read the version in force and save again."
            ]
        }
    with in_scope(n.org):
        assert risk_policy_current(organization=n.org).version == 1


def test_a_version_is_never_changed_even_in_sql(world, in_scope):
    p = world.porta
    with in_scope(p.org), pytest.raises(IntegrityError, match="A version of the risk policy cannot be changed"):
        RiskPolicy.objects.filter(organization=p.org).update(note="Edited in place")


# --- A change is a new version -------------------------------------------------------------------


def test_finance_saves_a_new_version_and_the_old_one_stays_as_it_was(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        policy = risk_policy_update(
            organization=p.org,
            actor=p.finance,
            max_discount_percent=D("12.5"),
            overdue_tolerance_amount=D("1500"),
            note="Tighter after Q3.",
        )
    # then
    assert _rules(policy) == DEFAULTS | {
        "version": 2,
        "max_discount_percent": D("12.50"),
        "overdue_tolerance_amount": D("1500.00"),
        "note": "Tighter after Q3.",
        "created_by_id": p.finance.pk,
    }
    with in_scope(p.org):
        assert risk_policy_current(organization=p.org).pk == policy.pk
        assert _rules(RiskPolicy.objects.get(version=1)) == DEFAULTS
        assert list(
            AuditEvent.objects.filter(action="risk_policy.update").values_list("actor", "object_id", "changes")
        ) == [
            (
                p.finance.user.pk,
                policy.pk,
                {
                    "version": [1, 2],
                    "overdue_tolerance_amount": ["2000.00", "1500.00"],
                    "max_discount_percent": ["10.00", "12.50"],
                    "note": [None, "Tighter after Q3."],
                },
            )
        ]


def test_the_history_says_what_each_version_changed(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        risk_policy_update(organization=p.org, actor=p.finance, max_payment_terms_days=45)
        risk_policy_update(organization=p.org, actor=p.finance, max_payment_terms_days=50, min_margin_percent=D("20"))
        history = risk_policy_history(organization=p.org, versions=risk_policy_versions(organization=p.org)[:2])
    assert [(h.policy.version, [(c.rule, c.before, c.after) for c in h.changes]) for h in history] == [
        (3, [("min_margin_percent", D("15.00"), D("20.00")), ("max_payment_terms_days", 45, 50)]),
        (2, [("max_payment_terms_days", 60, 45)]),
    ]


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2"])
def test_only_finance_changes_the_policy(world, refused, role):
    p = world.porta
    error, unchanged = refused(
        p.org,
        lambda: risk_policy_update(organization=p.org, actor=getattr(p, role), max_discount_percent=D("20")),
    )
    assert (error.status, error.code, error.message, unchanged) == (
        403,
        "permission_denied",
        "Only finance changes the risk policy.",
        True,
    )


@pytest.mark.parametrize(
    ("changes", "message", "fields"),
    [
        (
            {"max_discount_percent": D("101")},
            "A percentage from 0 to 100.",
            {"max_discount_percent": "A percentage from 0 to 100."},
        ),
        (
            {"overdue_tolerance_days": 400, "overdue_tolerance_amount": D("-1")},
            "Some fields need attention.",
            {
                "overdue_tolerance_amount": "It cannot be negative.",
                "overdue_tolerance_days": "A number of days from 0 to 365.",
            },
        ),
        (
            {"note": "x" * 1001},
            "Ensure this value has at most 1000 characters (it has 1001).",
            {"note": "Ensure this value has at most 1000 characters (it has 1001)."},
        ),
        (
            {"max_payment_terms_days": 60, "note": "Same again."},
            "This is the policy in force already: change a rule to save a new version.",
            {},
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, refused, changes, message, fields):
    p = world.porta
    error, unchanged = refused(p.org, lambda: risk_policy_update(organization=p.org, actor=p.finance, **changes))
    assert (error.message, error.extra, unchanged) == (message, fields, True)


# --- Two at once ---------------------------------------------------------------------------------


def _race(*calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the test looks at each one
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_finance_people_saving_at_once_never_get_the_same_version(tworld):
    # given
    p = tworld.porta

    def save(discount):
        def call():
            with tenant_scope(p.org):
                return risk_policy_update(organization=p.org, actor=p.finance, max_discount_percent=D(discount)).version

        return call

    # when
    results = _race(save("11"), save("12"))
    # then: one version 2 and one refusal, or versions 2 and 3 (never two rows with one version)
    with transaction.atomic(), tenant_scope(p.org):
        versions = list(RiskPolicy.objects.order_by("version").values_list("version", flat=True))
    refusals = [r for r in results if isinstance(r, ValidationError | ApplicationError)]
    assert sorted(r for r in results if isinstance(r, int)) == versions[1:]
    assert len(versions) == len(set(versions))
    assert (len(versions), len(refusals)) in {(2, 1), (3, 0)}
    for refusal in refusals:
        assert refusal.messages == [
            "Someone else changed the risk policy at the same time: read the version in force and save again."
        ]
