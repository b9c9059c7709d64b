"""Writes of finance's risk policy: the version every organisation starts with, and a change,
which is always a new version (billing.models.RiskPolicy: a version is never changed).

Finance alone changes it (billing.permissions.can_change_risk_policy; the others 403). The rules
of one version are the model's (full_clean()); the next number is the current one's plus one,
and the unique key (organisation, version) decides between two people saving at once: one gets
the number, the other a refusal that says so, and nothing of theirs is written."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from billing import permissions
from billing.models import RISK_POLICY_RULES, RiskPolicy
from billing.selectors_risk import risk_policy_changes, risk_policy_current
from config.errors import ApplicationError
from tenancy.models import Membership, Organization
from tenancy.services import audit_created, audit_record, audit_value, save_deciding_by_constraint

RISK_POLICY_FIELDS = ["version", *RISK_POLICY_RULES, "note"]


def risk_policy_ensure_default(organization: Organization) -> RiskPolicy | None:
    """Give `organization` version 1 of the risk policy, with the defaults (the model's fields':
    100 % of the credit limit, 2,000 over 60 days late, a 15 % margin, 15 % off a line and 10 %
    overall, 60 days to pay), unless it has a version. Returns the version created, or None.
    Idempotent. The system does it (no actor): when an organisation is created (tenancy's
    organisation set-up), and by a migration for those that existed before."""
    with transaction.atomic():
        if RiskPolicy.objects.filter(organization=organization).exists():
            return None
        policy = RiskPolicy(organization=organization, version=1)
        policy.full_clean()
        save_deciding_by_constraint(policy, field="version")
        audit_created(
            organization=organization, actor=None, obj=policy, fields=RISK_POLICY_FIELDS, action="risk_policy.create"
        )
    return policy


@transaction.atomic
def risk_policy_update(
    *,
    organization: Organization,
    actor: Membership,
    max_exposure_percent: Decimal | None = None,
    overdue_tolerance_amount: Decimal | None = None,
    overdue_tolerance_days: int | None = None,
    min_margin_percent: Decimal | None = None,
    max_line_discount_percent: Decimal | None = None,
    max_discount_percent: Decimal | None = None,
    max_payment_terms_days: int | None = None,
    note: str = "",
) -> RiskPolicy:
    """Save the next version of the policy: the rules given, the others as in the version in
    force (None keeps one), and why (`note`). A version that changes no rule is refused."""
    if not permissions.can_change_risk_policy(actor):
        raise ApplicationError(_("Only finance changes the risk policy."), code="permission_denied", status=403)
    current = risk_policy_current(organization=organization)
    given = {
        "max_exposure_percent": max_exposure_percent,
        "overdue_tolerance_amount": overdue_tolerance_amount,
        "overdue_tolerance_days": overdue_tolerance_days,
        "min_margin_percent": min_margin_percent,
        "max_line_discount_percent": max_line_discount_percent,
        "max_discount_percent": max_discount_percent,
        "max_payment_terms_days": max_payment_terms_days,
    }
    policy = RiskPolicy(
        organization=organization,
        version=current.version + 1,
        note=note or "",
        created_by=actor,
        **{name: getattr(current, name) if value is None else value for name, value in given.items()},
    )
    # The unique key is left to the constraint at save: full_clean() would ask first, a race.
    policy.full_clean(validate_constraints=False, validate_unique=False)
    policy.validate_constraints(exclude={"organization", "version"})
    changes = risk_policy_changes(policy, current)
    if not changes:
        raise ApplicationError(
            _("This is the policy in force already: change a rule to save a new version."), code="unchanged"
        )
    save_deciding_by_constraint(policy)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="risk_policy.update",
        obj=policy,
        changes={
            "version": [current.version, policy.version],
            **{c.rule: [audit_value(c.before), audit_value(c.after)] for c in changes},
            "note": [None, policy.note],
        },
    )
    return policy
