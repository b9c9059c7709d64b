"""Writes for accounts: the account itself, its team, objectives, activities, incidents and the
organisation's portfolio settings.

Each takes typed values (model instances, Decimal, date), builds or changes the row and
`full_clean()`s it: the model says every rule one row can state (accounts.models). What stays
here is who may do it (accounts.permissions), the rules between rows, and what follows from a
change. Atomic, audited; a constraint the database enforces decides a race between two requests,
with the sentence `full_clean()` would have given."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Literal, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Activity,
    ActivityContact,
    ActivityKind,
    ActualSource,
    Incident,
    IncidentStatus,
    Objective,
    ObjectiveActual,
    PortfolioSettings,
    RiskRating,
    Severity,
    Tier,
)
from accounts.selectors import ACCOUNT_FIELDS, portfolio_settings
from clients.models import Client, Contact
from config.errors import ApplicationError, not_found
from tenancy.models import Membership, Organization, Team
from tenancy.services import audit_changes, audit_created, audit_record, audit_snapshot

# People a row points to who may have left since: a row that names them stays valid, and is
# not refused for it when something else of it changes.
PEOPLE = ("owner", "next_step_owner", "assignee", "membership")


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError(message, code="permission_denied", status=403)


def _only(changes: dict, allowed: type) -> None:
    """What a caller may change: anything else is a mistake in the caller, like an unexpected
    keyword argument (forms and serializers send only their fields)."""
    unknown = set(changes) - set(allowed.__annotations__)
    if unknown:
        raise TypeError(f"unexpected changes: {', '.join(sorted(unknown))}")


def _validate(instance: models.Model, *, changed: Collection[str] | None = None, exclude: Collection[str] = ()):
    """full_clean(); of an existing row (`changed` given), the people it names are asked about
    only when they change."""
    left_out = set(exclude)
    if changed is not None:
        left_out |= {name for name in PEOPLE if name not in changed}
    instance.full_clean(exclude=[f.name for f in instance._meta.fields if f.name in left_out])


def _save(instance: models.Model) -> None:
    """Save what _validate accepted. A constraint broken by a concurrent request in between
    (both validated before either wrote) is decided by the database, and refuses with the
    sentence full_clean() gives: the other row is committed now, so the constraint sees it."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        for constraint in instance._meta.constraints:
            if constraint.name in str(error):
                try:
                    constraint.validate(type(instance), instance)
                except ValidationError as refusal:
                    raise refusal from error
                raise ValidationError(constraint.get_violation_error_message()) from error
        raise


def _hold_work(person: Membership | None, account: Account, field: str, actor: Membership) -> None:
    """Work given to someone who cannot see the account would disappear from their sight."""
    if person is None or person.pk == actor.pk or permissions.can_hold_work_on(person, account):
        return
    raise ApplicationError(
        _("%(name)s cannot see this account: choose someone who can.") % {"name": person.user},
        {field: _("Choose someone who can see this account.")},
    )


# --- Accounts ----------------------------------------------------------------------------------


@transaction.atomic
def account_create(
    *,
    organization: Organization,
    actor: Membership,
    client: Client,
    name: str,
    owner: Membership | None = None,
    sales_team: Team | None = None,
    currency: str = "EUR",
    payment_terms_days: int = 30,
    credit_limit: Decimal = Decimal("0.00"),
    risk_rating: str = RiskRating.UNRATED,
    tier: str = Tier.STANDARD,
    status: str = AccountStatus.ONBOARDING,
    start_date: date | None = None,
) -> Account:
    """Account executives open accounts they own (`owner`: themselves when not given); sales
    leads for others in the teams they lead; admins any."""
    if not permissions.can_open_accounts(actor):
        raise _forbidden(_("Your role may not open accounts."))
    if risk_rating != RiskRating.UNRATED and not permissions.can_set_risk_rating(actor):
        raise _forbidden(_("Only finance sets risk ratings."))
    account = Account(
        organization=organization,
        client=client,
        name=name,
        owner=owner or actor,
        sales_team=sales_team,
        currency=currency,
        payment_terms_days=payment_terms_days,
        credit_limit=credit_limit,
        risk_rating=risk_rating,
        tier=tier,
        status=status,
        start_date=start_date or timezone.localdate(),
    )
    _validate(account)  # an owner who may own no account is refused as such, whoever asks
    if not permissions.can_open_account(actor, account):
        if actor.is_sales_lead:
            raise _forbidden(_("You can open accounts for others only in the teams you lead."))
        raise _forbidden(_("You can open accounts for yourself only."))
    _save(account)
    audit_created(organization=organization, actor=actor.user, obj=account, fields=ACCOUNT_FIELDS)
    return account


class AccountChanges(TypedDict, total=False):
    name: str
    owner: Membership
    sales_team: Team | None
    currency: str
    payment_terms_days: int
    credit_limit: Decimal
    risk_rating: str
    tier: str
    status: str
    start_date: date


def _account_change(
    organization: Organization, actor: Membership, account: Account, changes: AccountChanges
) -> tuple[Account, int]:
    """The account changed (see account_update) and how many open next steps moved with it."""
    if "client" in changes:
        raise ApplicationError(
            _("An account stays with its client: open a new account for another client."),
            {"client": _("It cannot be changed.")},
        )
    _only(changes, AccountChanges)
    account = Account.objects.select_for_update().get(organization=organization, pk=account.pk)
    if "risk_rating" in changes and not permissions.can_set_risk_rating(actor, account):
        raise _forbidden(_("Only finance sets risk ratings."))
    if "owner" in changes and not permissions.can_reassign_account(actor, account):
        raise _forbidden(_("Only the sales lead of the account's team or an admin may reassign it."))
    if set(changes) - {"risk_rating", "owner"} and not permissions.can_edit_account(actor, account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change it."))
    before = audit_snapshot(account, ACCOUNT_FIELDS)
    previous_owner_id = account.owner_id
    for name, value in changes.items():
        setattr(account, name, value)
    _validate(account, changed=changes)
    _save(account)
    moved = 0
    if account.owner_id != previous_owner_id:
        # The previous owner may not see the account any more: their open next steps on it
        # would be lost from everyone's day. The new owner takes them over.
        moved = (
            Activity.objects.filter(
                organization=organization,
                account=account,
                next_step_owner_id=previous_owner_id,
                next_step_done_at__isnull=True,
            )
            .exclude(next_step="")
            .update(next_step_owner=account.owner, updated_at=timezone.now())
        )
    action = (
        "account.reassign"
        if set(changes) == {"owner"}
        else "account.rate_risk"
        if set(changes) == {"risk_rating"}
        else "account.update"
    )
    audit_changes(organization=organization, actor=actor.user, action=action, obj=account, before=before)
    return account, moved


@transaction.atomic
def account_update(
    *, organization: Organization, actor: Membership, account: Account, **changes: Unpack[AccountChanges]
) -> Account:
    """Change an account: only what is given changes. Who may change what (accounts.permissions):
    the owner, the lead of the account and admins: its terms, team, tier and status;
    the lead of the account and admins: its owner (reassign: the previous owner's open next
    steps on it go to the new owner);
    finance, and only finance: its risk rating (finance may change nothing else unless also
    one of the above)."""
    return _account_change(organization, actor, account, changes)[0]


@dataclass(frozen=True)
class Reassignment:
    account: Account
    next_steps_moved: int  # the previous owner's open next steps on it, now the new owner's


@transaction.atomic
def account_reassign(
    *, organization: Organization, actor: Membership, account: Account, owner: Membership
) -> Reassignment:
    account, moved = _account_change(organization, actor, account, {"owner": owner})
    return Reassignment(account, moved)


def account_set_risk_rating(
    *, organization: Organization, actor: Membership, account: Account, risk_rating: str
) -> Account:
    return account_update(organization=organization, actor=actor, account=account, risk_rating=risk_rating)


def _team_entry(person: Membership, role: str) -> dict[str, int | str]:
    """A place on the account team as the audit trail keeps it: ids and codes, which the trail
    shows by name and label in each reader's language ("Laia Ferrer (Technical specialist)")."""
    return {"membership": person.pk, "account_role": role}


def _require_team_editor(actor: Membership, account: Account) -> None:
    if not permissions.can_edit_account(actor, account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change its team."))


@transaction.atomic
def account_team_member_add(
    *, organization: Organization, actor: Membership, account: Account, membership: Membership, role: str
) -> AccountTeamMember:
    _require_team_editor(actor, account)
    member = AccountTeamMember(organization=organization, account=account, membership=membership, role=role)
    member.full_clean(validate_constraints=False)  # the person and the role; their place below
    if membership.pk == account.owner_id:
        raise ApplicationError(
            _("%(name)s owns this account: the owner is on its team already.") % {"name": membership.user},
            {"membership": _("The account's owner.")},
        )
    if AccountTeamMember.objects.filter(organization=organization, account=account, membership=membership).exists():
        raise ApplicationError(
            _("%(name)s is already on this account's team.") % {"name": membership.user},
            {"membership": _("Already on the team.")},
        )
    _save(member)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="account.team_add",
        obj=account,
        changes={"team": [None, _team_entry(membership, role)]},
    )
    return member


@transaction.atomic
def account_team_member_update(
    *, organization: Organization, actor: Membership, member: AccountTeamMember, role: str
) -> AccountTeamMember:
    member = (
        AccountTeamMember.objects.select_for_update()
        .select_related("account", "membership__user")
        .get(organization=organization, pk=member.pk)
    )
    _require_team_editor(actor, member.account)
    before = member.role
    member.role = role
    _validate(member, changed={"role"})
    if member.role != before:
        _save(member)
        audit_record(
            organization=organization,
            actor=actor.user,
            action="account.team_role",
            obj=member.account,
            changes={"team": [_team_entry(member.membership, before), _team_entry(member.membership, role)]},
        )
    return member


@transaction.atomic
def account_team_member_remove(*, organization: Organization, actor: Membership, member: AccountTeamMember) -> None:
    member = (
        AccountTeamMember.objects.select_for_update()
        .select_related("account", "membership__user")
        .get(organization=organization, pk=member.pk)
    )
    _require_team_editor(actor, member.account)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="account.team_remove",
        obj=member.account,
        changes={"team": [_team_entry(member.membership, member.role), None]},
    )
    member.delete()


# --- Objectives ---------------------------------------------------------------------------------

OBJECTIVE_FIELDS = ["metric", "custom_metric_name", "period_start", "period_end", "target", "tolerance_pct"]


def _require_objective_setter(actor: Membership, account: Account) -> None:
    if not permissions.can_edit_account(actor, account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may set its objectives."))


@transaction.atomic
def objective_create(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    metric: str,
    period_start: date,
    period_end: date,
    target: Decimal,
    custom_metric_name: str = "",
    tolerance_pct: Decimal = Decimal("10.00"),
) -> Objective:
    """One objective per metric of the account at any day (a custom one per name): another
    whose period overlaps it is refused, naming it."""
    _require_objective_setter(actor, account)
    objective = Objective(
        organization=organization,
        account=account,
        created_by=actor,
        metric=metric,
        custom_metric_name=custom_metric_name,
        period_start=period_start,
        period_end=period_end,
        target=target,
        tolerance_pct=tolerance_pct,
    )
    _validate(objective)
    _save(objective)
    audit_created(organization=organization, actor=actor.user, obj=objective, fields=OBJECTIVE_FIELDS)
    return objective


class ObjectiveChanges(TypedDict, total=False):
    metric: str
    custom_metric_name: str
    period_start: date
    period_end: date
    target: Decimal
    tolerance_pct: Decimal


@transaction.atomic
def objective_update(
    *, organization: Organization, actor: Membership, objective: Objective, **changes: Unpack[ObjectiveChanges]
) -> Objective:
    _only(changes, ObjectiveChanges)
    objective = (
        Objective.objects.select_for_update().select_related("account").get(organization=organization, pk=objective.pk)
    )
    _require_objective_setter(actor, objective.account)
    before = audit_snapshot(objective, OBJECTIVE_FIELDS)
    for name, value in changes.items():
        setattr(objective, name, value)
    _validate(objective, changed=changes)
    _save(objective)
    audit_changes(organization=organization, actor=actor.user, action="objective.update", obj=objective, before=before)
    return objective


@transaction.atomic
def objective_actual_record(
    *, organization: Organization, actor: Membership, objective: Objective, as_of: date, value: Decimal
) -> ObjectiveActual:
    """Enter an actual by hand: the metric's value as of a date, cumulative for the period.
    A second entry for the same date replaces the first."""
    objective = (
        Objective.objects.select_for_update().select_related("account").get(organization=organization, pk=objective.pk)
    )
    _require_objective_setter(actor, objective.account)
    actual = ObjectiveActual(
        organization=organization,
        objective=objective,
        source=ActualSource.MANUAL,
        as_of=as_of,
        value=value,
        entered_by=actor,
    )
    # Its date and value; an entry for the same date is replaced, not refused.
    actual.full_clean(validate_constraints=False)
    existing = (
        ObjectiveActual.objects.select_for_update()
        .filter(organization=organization, objective=objective, source=ActualSource.MANUAL, as_of=actual.as_of)
        .first()
    )
    before = None
    if existing is None:
        _save(actual)
    elif existing.value == actual.value:
        return existing  # the same value again changes nothing, and records nothing
    else:
        before = str(existing.value)
        existing.value, existing.entered_by = actual.value, actor
        existing.save(update_fields=["value", "entered_by"])
        actual = existing
    audit_record(
        organization=organization,
        actor=actor.user,
        action="objective.actual",
        obj=objective,
        changes={"as_of": [None, actual.as_of.isoformat()], "actual": [before, str(actual.value)]},
    )
    return actual


# --- Activities ---------------------------------------------------------------------------------


class _Default(Enum):
    LOGGER = "the person who logs it"


LOGGER = _Default.LOGGER


def _contacts_of(organization: Organization, account: Account, contact_ids: Collection[int]) -> list[Contact]:
    """Contacts of the account's client, each once: the people the activity was with."""
    ids = set(contact_ids)
    contacts = list(Contact.objects.filter(organization=organization, client_id=account.client_id, pk__in=ids))
    if len(contacts) != len(ids):
        raise ApplicationError(
            _("Choose contacts of this account's client."),
            {"contact_ids": _("Choose contacts of this account's client.")},
        )
    return contacts


def _link_contacts(organization: Organization, activity: Activity, contacts: list[Contact]) -> None:
    ActivityContact.objects.filter(organization=organization, activity=activity).delete()
    ActivityContact.objects.bulk_create(
        [ActivityContact(organization=organization, activity=activity, contact=c) for c in contacts]
    )


def _touch_account(organization: Organization, account: Account) -> None:
    latest = Activity.objects.filter(organization=organization, account=account).aggregate(latest=Max("occurred_at"))[
        "latest"
    ]
    Account.objects.filter(organization=organization, pk=account.pk).update(last_activity_at=latest)


@transaction.atomic
def activity_log(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    summary: str,
    kind: str = ActivityKind.NOTE,
    occurred_at: datetime | None = None,
    duration_minutes: int = 0,
    outcome: str = "",
    contact_ids: Collection[int] = (),
    next_step: str = "",
    next_step_due: date | None = None,
    next_step_owner: Membership | None | Literal[_Default.LOGGER] = LOGGER,
) -> Activity:
    """Log a visit, call, email, meeting or note on an account one can see (`occurred_at`: now
    when not given). A next step is owned by who logs it unless someone else is named, who
    must see the account."""
    if not permissions.can_see_account(actor, account):
        raise not_found()
    activity = Activity(
        organization=organization,
        account=account,
        created_by=actor,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        duration_minutes=duration_minutes,
        summary=summary,
        outcome=outcome,
        next_step=next_step,
        next_step_due=next_step_due,
        next_step_owner=actor if next_step_owner is LOGGER else next_step_owner,
    )
    _validate(activity)
    contacts = _contacts_of(organization, account, contact_ids)
    _hold_work(activity.next_step_owner, account, "next_step_owner", actor)
    _save(activity)
    _link_contacts(organization, activity, contacts)
    _touch_account(organization, account)
    return activity


class ActivityChanges(TypedDict, total=False):
    kind: str
    occurred_at: datetime
    duration_minutes: int
    summary: str
    outcome: str
    contact_ids: Collection[int]  # replaces the activity's contacts
    next_step: str
    next_step_due: date | None
    next_step_owner: Membership | None


def _require_activity_editor(actor: Membership, activity: Activity) -> None:
    # Who lost sight of the account (taken off its team) loses its activities too.
    if not permissions.can_see_account(actor, activity.account):
        raise not_found()
    if not permissions.can_edit_activity(actor, activity):
        raise _forbidden(
            _(
                "Only the person who logged it, the next step's owner, the account's owner or lead, or an admin may change this activity."
            )
        )


@transaction.atomic
def activity_update(
    *, organization: Organization, actor: Membership, activity: Activity, **changes: Unpack[ActivityChanges]
) -> Activity:
    _only(changes, ActivityChanges)
    activity = (
        Activity.objects.select_for_update().select_related("account").get(organization=organization, pk=activity.pk)
    )
    _require_activity_editor(actor, activity)
    contact_ids = changes.pop("contact_ids", None)
    previous_owner_id = activity.next_step_owner_id
    for name, value in changes.items():
        setattr(activity, name, value)
    _validate(activity, changed=changes)
    contacts = _contacts_of(organization, activity.account, contact_ids) if contact_ids is not None else None
    if activity.next_step_owner_id != previous_owner_id:
        _hold_work(activity.next_step_owner, activity.account, "next_step_owner", actor)
    _save(activity)
    if contacts is not None:
        _link_contacts(organization, activity, contacts)
    _touch_account(organization, activity.account)
    return activity


@transaction.atomic
def activity_next_step_set_done(
    *, organization: Organization, actor: Membership, activity: Activity, is_done: bool = True
) -> Activity:
    activity = (
        Activity.objects.select_for_update().select_related("account").get(organization=organization, pk=activity.pk)
    )
    _require_activity_editor(actor, activity)
    if not activity.next_step:
        raise ApplicationError(_("This activity has no next step."))
    if is_done and activity.next_step_done_at is None:
        activity.next_step_done_at = timezone.now()
    elif not is_done:
        activity.next_step_done_at = None
    activity.save(update_fields=["next_step_done_at", "updated_at"])
    return activity


# --- Incidents ----------------------------------------------------------------------------------

INCIDENT_AUDIT = ["title", "severity", "status", "assignee", "sla_due_at", "resolved_at"]
CLOSED_INCIDENT_STATUSES = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def _sla_due(organization: Organization, incident: Incident) -> datetime:
    return incident.opened_at + timedelta(
        hours=portfolio_settings(organization=organization).sla_hours(incident.severity)
    )


@transaction.atomic
def incident_open(
    *,
    organization: Organization,
    actor: Membership,
    account: Account,
    title: str,
    description: str = "",
    severity: str = Severity.NORMAL,
    status: str = IncidentStatus.OPEN,
    assignee: Membership | None = None,
    opened_at: datetime | None = None,
) -> Incident:
    """Anyone who sees the account opens one; its SLA comes from the severity and the
    organisation's settings. The assignee must see the account."""
    if not permissions.can_see_account(actor, account):
        raise not_found()
    incident = Incident(
        organization=organization,
        account=account,
        created_by=actor,
        title=title,
        description=description,
        severity=severity,
        status=status,
        assignee=assignee,
        opened_at=opened_at or timezone.now(),
    )
    _validate(incident, exclude={"sla_due_at"})
    _hold_work(incident.assignee, account, "assignee", actor)
    incident.sla_due_at = _sla_due(organization, incident)
    if incident.status in CLOSED_INCIDENT_STATUSES:
        incident.resolved_at = timezone.now()
    _save(incident)
    audit_created(
        organization=organization, actor=actor.user, obj=incident, fields=INCIDENT_AUDIT, action="incident.open"
    )
    return incident


class IncidentChanges(TypedDict, total=False):
    title: str
    description: str
    severity: str
    status: str
    assignee: Membership | None
    opened_at: datetime


@transaction.atomic
def incident_update(
    *, organization: Organization, actor: Membership, incident: Incident, **changes: Unpack[IncidentChanges]
) -> Incident:
    """Anyone who sees the account may work an incident: people attend incidents as a team.
    Re-grading the severity moves the SLA; resolving stamps the time; reopening clears it."""
    _only(changes, IncidentChanges)
    incident = (
        Incident.objects.select_for_update().select_related("account").get(organization=organization, pk=incident.pk)
    )
    if not permissions.can_work_incident(actor, incident):
        raise not_found()
    before = audit_snapshot(incident, INCIDENT_AUDIT)
    previous_assignee_id = incident.assignee_id
    for name, value in changes.items():
        setattr(incident, name, value)
    _validate(incident, changed=changes, exclude={"sla_due_at"})
    if incident.assignee_id != previous_assignee_id:
        _hold_work(incident.assignee, incident.account, "assignee", actor)
    if "severity" in changes or "opened_at" in changes:
        incident.sla_due_at = _sla_due(organization, incident)
    if incident.status in CLOSED_INCIDENT_STATUSES:
        incident.resolved_at = incident.resolved_at or timezone.now()
    else:
        incident.resolved_at = None
    _save(incident)
    audit_changes(organization=organization, actor=actor.user, action="incident.update", obj=incident, before=before)
    return incident


# --- Settings ------------------------------------------------------------------------------------

SETTINGS_FIELDS = ["sla_hours_low", "sla_hours_normal", "sla_hours_high", "sla_hours_critical", "quiet_after_days"]


class SettingsChanges(TypedDict, total=False):
    sla_hours_low: int
    sla_hours_normal: int
    sla_hours_high: int
    sla_hours_critical: int
    quiet_after_days: int


@transaction.atomic
def portfolio_settings_update(
    *, organization: Organization, actor: Membership, **changes: Unpack[SettingsChanges]
) -> PortfolioSettings:
    if not permissions.can_change_portfolio_settings(actor):
        raise _forbidden(_("Only an admin of this organisation may do that."))
    _only(changes, SettingsChanges)
    settings, _created = PortfolioSettings.objects.select_for_update().get_or_create(organization=organization)
    before = audit_snapshot(settings, SETTINGS_FIELDS)
    for name, value in changes.items():
        setattr(settings, name, value)
    _validate(settings)
    _save(settings)
    audit_changes(organization=organization, actor=actor.user, action="settings.portfolio", obj=settings, before=before)
    return settings
