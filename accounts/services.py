"""Writes for accounts: the account itself, its team, objectives, activities, incidents and the
organisation's portfolio settings. Atomic, validated, audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import (
    OBJECTIVE_UNIQUE,
    Account,
    AccountRole,
    AccountStatus,
    AccountTeamMember,
    Activity,
    ActivityContact,
    ActivityKind,
    ActualSource,
    Incident,
    IncidentStatus,
    Metric,
    Objective,
    ObjectiveActual,
    PortfolioSettings,
    RiskRating,
    Severity,
    Tier,
)
from accounts.selectors import (
    can_edit_account,
    can_reassign_account,
    is_own_activity,
    led_team_ids,
    may_edit_account,
    portfolio_settings,
    visible_accounts,
)
from clients.models import Client, Contact
from clients.reference import CURRENCY_CODES
from config.errors import ApplicationError
from tenancy.models import Membership, Organization, Team
from tenancy.services import audit_changes, audit_record, audit_snapshot, check_lengths
from tenancy.text import search_normalize

ACCOUNT_FIELDS = [
    "client",
    "name",
    "owner",
    "sales_team",
    "currency",
    "payment_terms_days",
    "credit_limit",
    "risk_rating",
    "tier",
    "status",
    "start_date",
]
MAX_MONEY = Decimal("999999999999.99")


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError(message, code="permission_denied", status=403)


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ApplicationError(
            next(iter(errors.values())) if len(errors) == 1 else _("Some fields need attention."), errors
        )


def _unknown(data: dict, allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(
            _("Unknown field: %(field)s.") % {"field": unknown[0]}, {unknown[0]: _("Unknown field.")}
        )


def _money(value: Any, field: str, errors: dict[str, str], *, allow_negative: bool = False) -> Decimal | None:
    """A money amount as Decimal with two places; never a float."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter an amount, like 1500.00.")
        return None
    if not amount.is_finite():
        errors[field] = _("Enter an amount, like 1500.00.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors[field] = _("At most two decimals.")
        return None
    if not allow_negative and amount < 0:
        errors[field] = _("It cannot be negative.")
        return None
    if abs(amount) > MAX_MONEY:
        errors[field] = _("That amount is too large.")
        return None
    return amount.quantize(Decimal("0.01"))


def _whole(value: Any, field: str, errors: dict[str, str], low: int, high: int, message: str) -> int | None:
    try:
        number = int(value)
        if (
            isinstance(value, bool)
            or (isinstance(value, float) and not value.is_integer())
            or str(value).strip() != str(number)
        ):
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = message
        return None
    if not low <= number <= high:
        errors[field] = message
        return None
    return number


# --- Accounts ----------------------------------------------------------------------------------


def _member_of(organization: Organization, value: Any) -> Membership | None:
    pk = value.pk if isinstance(value, Membership) else value
    try:
        return Membership.objects.select_related("user").filter(organization=organization, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _optional_person(organization: Organization, data: dict[str, Any], field: str, errors: dict[str, str]) -> None:
    """An optional person (next step owner, assignee): an active member of this organisation, or none."""
    if field not in data:
        return
    if data[field] in (None, ""):
        data[field] = None
        return
    person = _member_of(organization, data[field])
    if person is None or not person.is_active:
        errors[field] = _("Choose an active member of this organisation.")
    data[field] = person


def _clean_account(
    organization: Organization, actor: Membership, data: dict[str, Any], instance: Account | None
) -> dict[str, Any]:
    _unknown(data, ACCOUNT_FIELDS)
    check_lengths(Account, **{k: v for k, v in data.items() if k == "name"})
    errors: dict[str, str] = {}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors["name"] = _("This field is required.")
    if "client" in data:
        pk = data["client"].pk if isinstance(data["client"], Client) else data["client"]
        client = Client.objects.filter(organization=organization, pk=pk).first() if str(pk).isdigit() else None
        if client is None:
            errors["client"] = _("Choose a client of this organisation.")
        data["client"] = client
    if "owner" in data:
        owner = _member_of(organization, data["owner"])
        if owner is None or not owner.is_active or not owner.is_account_executive:
            errors["owner"] = _("The owner must be an active account executive of this organisation.")
        data["owner"] = owner
    if "sales_team" in data and data["sales_team"] not in (None, ""):
        pk = data["sales_team"].pk if isinstance(data["sales_team"], Team) else data["sales_team"]
        team = Team.objects.filter(organization=organization, pk=pk).first() if str(pk).isdigit() else None
        if team is None:
            errors["sales_team"] = _("Choose a team of this organisation.")
        data["sales_team"] = team
    elif "sales_team" in data:
        data["sales_team"] = None
    if "currency" in data:
        data["currency"] = str(data["currency"] or "").strip().upper()
        if data["currency"] not in CURRENCY_CODES:
            errors["currency"] = _("Unknown currency: use an ISO 4217 code such as EUR or USD.")
    if "payment_terms_days" in data:
        data["payment_terms_days"] = _whole(
            data["payment_terms_days"],
            "payment_terms_days",
            errors,
            0,
            365,
            _("Payment terms are between 0 and 365 days."),
        )
    if "credit_limit" in data:
        data["credit_limit"] = _money(data["credit_limit"], "credit_limit", errors)
        if errors.get("credit_limit") == _("It cannot be negative."):
            errors["credit_limit"] = _("The credit limit cannot be negative.")
    for field, choices in (("risk_rating", RiskRating), ("tier", Tier), ("status", AccountStatus)):
        if field in data and data[field] not in choices.values:
            errors[field] = _("Choose a value from the list.")
    if "start_date" in data and not isinstance(data["start_date"], date):
        try:
            data["start_date"] = date.fromisoformat(str(data["start_date"]))
        except ValueError:
            errors["start_date"] = _("Enter a date as YYYY-MM-DD.")
    _refuse(errors)
    client = data.get("client", instance.client if instance else None)
    name = data.get("name", instance.name if instance else "")
    if (
        client
        and Account.objects.filter(organization=organization, client=client, name__iexact=name)
        .exclude(pk=instance.pk if instance else None)
        .exists()
    ):
        raise ApplicationError(
            _("This client already has an account with that name."), {"name": _("Choose another name.")}
        )
    return data


@transaction.atomic
def account_create(*, organization: Organization, actor: Membership, **data: Any) -> Account:
    """Account executives open accounts they own; sales leads for their teams; admins any."""
    if not (actor.is_admin or actor.is_sales_lead or actor.is_account_executive):
        raise _forbidden(_("Your role may not open accounts."))
    data.setdefault("owner", actor.pk)
    data.setdefault("name", "")
    if "client" not in data:
        raise ApplicationError(_("Choose a client of this organisation."), {"client": _("This field is required.")})
    if "risk_rating" in data and data["risk_rating"] != RiskRating.UNRATED and not actor.is_finance:
        raise _forbidden(_("Only finance sets risk ratings."))
    data = _clean_account(organization, actor, data, None)
    if not actor.is_admin and not actor.is_sales_lead and data["owner"].pk != actor.pk:
        raise _forbidden(_("You can open accounts for yourself only."))
    if actor.is_sales_lead and not actor.is_admin and data["owner"].pk != actor.pk:
        # A lead opens accounts for others in the teams they lead, so they keep seeing them.
        if not data.get("sales_team") or data["sales_team"].pk not in led_team_ids(
            organization=organization, membership=actor
        ):
            raise _forbidden(_("You can open accounts for others only in the teams you lead."))
    account = Account(organization=organization, **data)
    account.search_text = search_normalize(account.name)
    account.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="account.create",
        obj=account,
        changes={k: [None, v] for k, v in audit_snapshot(account, ACCOUNT_FIELDS).items()},
    )
    return account


@transaction.atomic
def account_update(*, organization: Organization, actor: Membership, account: Account, **data: Any) -> Account:
    """Change an account. Who may change what:
    the owner, the lead of its team and admins: its terms, team, tier and status;
    the lead of its team and admins: its owner (reassign);
    finance, and only finance: its risk rating (finance may change nothing else unless also
    one of the above)."""
    account = Account.objects.select_for_update().get(organization=organization, pk=account.pk)
    led = led_team_ids(organization=organization, membership=actor)
    if "risk_rating" in data and not actor.is_finance:
        raise _forbidden(_("Only finance sets risk ratings."))
    if "client" in data:
        raise ApplicationError(
            _("An account stays with its client: open a new account for another client."),
            {"client": _("It cannot be changed.")},
        )
    if "owner" in data and not can_reassign_account(membership=actor, account=account, led_teams=led):
        raise _forbidden(_("Only the sales lead of the account's team or an admin may reassign it."))
    other = set(data) - {"risk_rating", "owner"}
    if other and not can_edit_account(membership=actor, account=account, led_teams=led):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change it."))
    data = _clean_account(organization, actor, dict(data), account)
    before = audit_snapshot(account, ACCOUNT_FIELDS)
    for key, value in data.items():
        setattr(account, key, value)
    account.search_text = search_normalize(account.name)
    account.save()
    action = (
        "account.reassign"
        if set(data) == {"owner"}
        else "account.rate_risk"
        if set(data) == {"risk_rating"}
        else "account.update"
    )
    audit_changes(organization=organization, actor=actor.user, action=action, obj=account, before=before)
    return account


def account_reassign(
    *, organization: Organization, actor: Membership, account: Account, owner: Membership | int
) -> Account:
    return account_update(organization=organization, actor=actor, account=account, owner=owner)


def account_set_risk_rating(
    *, organization: Organization, actor: Membership, account: Account, risk_rating: str
) -> Account:
    return account_update(organization=organization, actor=actor, account=account, risk_rating=risk_rating)


def _team_entry(person: Membership, role: str) -> dict[str, int | str]:
    """A place on the account team as the audit trail keeps it: ids and codes, which the trail
    shows by name and label in each reader's language ("Laia Ferrer (Technical specialist)")."""
    return {"membership": person.pk, "account_role": role}


@transaction.atomic
def account_team_member_add(
    *, organization: Organization, actor: Membership, account: Account, membership: Membership | int, role: str
) -> AccountTeamMember:
    if not may_edit_account(organization=organization, membership=actor, account=account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change its team."))
    person = _member_of(organization, membership)
    errors = {}
    if person is None or not person.is_active:
        errors["membership"] = _("Choose an active member of this organisation.")
    if role not in AccountRole.values:
        errors["role"] = _("Choose a value from the list.")
    _refuse(errors)
    if person.pk == account.owner_id:
        raise ApplicationError(
            _("%(name)s owns this account: the owner is on its team already.") % {"name": person.user},
            {"membership": _("The account's owner.")},
        )
    if AccountTeamMember.objects.filter(organization=organization, account=account, membership=person).exists():
        raise ApplicationError(
            _("%(name)s is already on this account's team.") % {"name": person.user},
            {"membership": _("Already on the team.")},
        )
    member = AccountTeamMember.objects.create(organization=organization, account=account, membership=person, role=role)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="account.team_add",
        obj=account,
        changes={"team": [None, _team_entry(person, role)]},
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
    if not may_edit_account(organization=organization, membership=actor, account=member.account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change its team."))
    if role not in AccountRole.values:
        raise ApplicationError(_("Choose a value from the list."), {"role": _("Choose a value from the list.")})
    if member.role != role:
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
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
    if not may_edit_account(organization=organization, membership=actor, account=member.account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may change its team."))
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


def _date(value: Any, field: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("Enter a date as YYYY-MM-DD.")
        return None


def _clean_objective(data: dict[str, Any], instance: Objective | None) -> dict[str, Any]:
    _unknown(data, OBJECTIVE_FIELDS)
    check_lengths(Objective, **{k: v for k, v in data.items() if k == "custom_metric_name"})
    errors: dict[str, str] = {}
    if "metric" in data and data["metric"] not in Metric.values:
        errors["metric"] = _("Choose a value from the list.")
    for field in ("period_start", "period_end"):
        if field in data:
            data[field] = _date(data[field], field, errors)
    if "target" in data:
        data["target"] = _money(data["target"], "target", errors)
    if "tolerance_pct" in data:
        tolerance = _money(data["tolerance_pct"], "tolerance_pct", errors)
        if tolerance is not None and tolerance > 100:
            errors["tolerance_pct"] = _("The tolerance is between 0 and 100%.")
        data["tolerance_pct"] = tolerance
    _refuse(errors)
    metric = data.get("metric", instance.metric if instance else None)
    name = (data.get("custom_metric_name", instance.custom_metric_name if instance else "") or "").strip()
    data["custom_metric_name"] = name if metric == Metric.CUSTOM else ""
    if metric == Metric.CUSTOM and not name:
        errors["custom_metric_name"] = _("Name the custom metric.")
    start = data.get("period_start", instance.period_start if instance else None)
    end = data.get("period_end", instance.period_end if instance else None)
    if start and end and end < start:
        errors["period_end"] = _("The period cannot end before it starts.")
    target = data.get("target", instance.target if instance else None)
    if metric in (Metric.ON_TIME_PAYMENT, Metric.ON_TIME_DELIVERY) and target is not None and target > 100:
        errors["target"] = _("A percentage target is at most 100.")
    _refuse(errors)
    return data


def _duplicate_objective(objective: Objective) -> ApplicationError:
    what = objective.custom_metric_name if objective.metric == Metric.CUSTOM else Metric(objective.metric).label
    return ApplicationError(
        _("This account already has a “%(metric)s” objective from %(start)s to %(end)s.")
        % {
            "metric": what,
            "start": date_format(objective.period_start, "SHORT_DATE_FORMAT"),
            "end": date_format(objective.period_end, "SHORT_DATE_FORMAT"),
        },
        {"metric": _("Already set for this period: change that objective instead.")},
    )


def _save_objective(objective: Objective) -> None:
    """Insert or update, refusing a second objective of the same metric (a custom one by its
    name, whatever its case) for the same period of the account: it would count twice. The
    unique constraint decides, for one request as for two at once; a savepoint keeps the
    transaction usable after its refusal."""
    try:
        with transaction.atomic():
            objective.save()
    except IntegrityError as error:
        if OBJECTIVE_UNIQUE in str(error):
            raise _duplicate_objective(objective) from error
        raise


def _require_account_editor(organization: Organization, actor: Membership, account: Account) -> None:
    if not may_edit_account(organization=organization, membership=actor, account=account):
        raise _forbidden(_("Only the account's owner, the lead of its team or an admin may set its objectives."))


@transaction.atomic
def objective_create(*, organization: Organization, actor: Membership, account: Account, **data: Any) -> Objective:
    _require_account_editor(organization, actor, account)
    for required in ("metric", "period_start", "period_end", "target"):
        if required not in data:
            raise ApplicationError(_("This field is required."), {required: _("This field is required.")})
    data = _clean_objective(dict(data), None)
    objective = Objective(organization=organization, account=account, created_by=actor, **data)
    _save_objective(objective)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="objective.create",
        obj=objective,
        changes={k: [None, v] for k, v in audit_snapshot(objective, OBJECTIVE_FIELDS).items()},
    )
    return objective


@transaction.atomic
def objective_update(*, organization: Organization, actor: Membership, objective: Objective, **data: Any) -> Objective:
    objective = (
        Objective.objects.select_for_update().select_related("account").get(organization=organization, pk=objective.pk)
    )
    _require_account_editor(organization, actor, objective.account)
    data = _clean_objective(dict(data), objective)
    before = audit_snapshot(objective, OBJECTIVE_FIELDS)
    for key, value in data.items():
        setattr(objective, key, value)
    _save_objective(objective)
    audit_changes(organization=organization, actor=actor.user, action="objective.update", obj=objective, before=before)
    return objective


@transaction.atomic
def objective_actual_record(
    *, organization: Organization, actor: Membership, objective: Objective, as_of: Any, value: Any
) -> ObjectiveActual:
    """Enter an actual by hand: the metric's value as of a date, cumulative for the period.
    A second entry for the same date replaces the first."""
    objective = (
        Objective.objects.select_for_update().select_related("account").get(organization=organization, pk=objective.pk)
    )
    _require_account_editor(organization, actor, objective.account)
    errors: dict[str, str] = {}
    day = _date(as_of, "as_of", errors)
    amount = _money(value, "value", errors)
    _refuse(errors)
    if not objective.period_start <= day <= objective.period_end:
        raise ApplicationError(
            _("The date must be inside the objective's period."),
            {
                "as_of": _("Between %(start)s and %(end)s.")
                % {"start": objective.period_start, "end": objective.period_end}
            },
        )
    if day > timezone.localdate():
        raise ApplicationError(_("An actual cannot be in the future."), {"as_of": _("Today or earlier.")})
    actual, created = ObjectiveActual.objects.get_or_create(
        organization=organization,
        objective=objective,
        source=ActualSource.MANUAL,
        as_of=day,
        defaults={"value": amount, "entered_by": actor},
    )
    before = None if created else str(actual.value)
    if not created:
        if actual.value == amount:
            return actual  # the same value again changes nothing, and records nothing
        actual.value, actual.entered_by = amount, actor
        actual.save(update_fields=["value", "entered_by"])
    audit_record(
        organization=organization,
        actor=actor.user,
        action="objective.actual",
        obj=objective,
        changes={"as_of": [None, day.isoformat()], "actual": [before, str(amount)]},
    )
    return actual


# --- Activities ---------------------------------------------------------------------------------

ACTIVITY_FIELDS = [
    "kind",
    "occurred_at",
    "duration_minutes",
    "summary",
    "outcome",
    "contact_ids",
    "next_step",
    "next_step_due",
    "next_step_owner",
]


def _clean_activity(
    organization: Organization, account: Account, data: dict[str, Any], instance: Activity | None
) -> tuple[dict[str, Any], list[Contact] | None]:
    _unknown(data, ACTIVITY_FIELDS)
    check_lengths(
        Activity, **{k: v for k, v in data.items() if k in ("summary", "outcome", "next_step") and isinstance(v, str)}
    )
    errors: dict[str, str] = {}
    if "kind" in data and data["kind"] not in ActivityKind.values:
        errors["kind"] = _("Choose a value from the list.")
    if "occurred_at" in data and not isinstance(data["occurred_at"], datetime):
        try:
            parsed = datetime.fromisoformat(str(data["occurred_at"]))
            data["occurred_at"] = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        except ValueError:
            errors["occurred_at"] = _("Enter a date and time.")
    if "duration_minutes" in data:
        data["duration_minutes"] = _whole(
            data["duration_minutes"],
            "duration_minutes",
            errors,
            0,
            1440,
            _("The duration is between 0 minutes and a day (1440)."),
        )
    if "summary" in data:
        data["summary"] = (data["summary"] or "").strip()
        if not data["summary"]:
            errors["summary"] = _("Say what happened.")
    for key in ("outcome", "next_step"):
        if key in data:
            data[key] = (data[key] or "").strip()
    if "next_step_due" in data and data["next_step_due"] not in (None, ""):
        data["next_step_due"] = _date(data["next_step_due"], "next_step_due", errors)
    elif "next_step_due" in data:
        data["next_step_due"] = None
    _optional_person(organization, data, "next_step_owner", errors)
    contacts = None
    if "contact_ids" in data:
        raw_ids = data.pop("contact_ids") or []
        ids = {int(i) for i in raw_ids if str(i).isdigit()}
        contacts = list(Contact.objects.filter(organization=organization, client_id=account.client_id, pk__in=ids))
        if len(contacts) != len(ids) or len(ids) != len(set(map(str, raw_ids))):
            errors["contact_ids"] = _("Choose contacts of this account's client.")
    _refuse(errors)
    next_step = data.get("next_step", instance.next_step if instance else "")
    if next_step:
        if not data.get("next_step_due", instance.next_step_due if instance else None):
            errors["next_step_due"] = _("Give the next step a due date.")
        if not data.get("next_step_owner", instance.next_step_owner if instance else None):
            errors["next_step_owner"] = _("Give the next step an owner.")
    else:
        data["next_step_due"], data["next_step_owner"] = None, None
    occurred = data.get("occurred_at")
    if occurred and occurred > timezone.now() + timedelta(days=1):
        errors["occurred_at"] = _("Log what happened: the date cannot be in the future.")
    _refuse(errors)
    return data, contacts


def _touch_account(organization: Organization, account: Account) -> None:
    latest = Activity.objects.filter(organization=organization, account=account).aggregate(latest=Max("occurred_at"))[
        "latest"
    ]
    Account.objects.filter(organization=organization, pk=account.pk).update(last_activity_at=latest)


def _require_visible(organization: Organization, actor: Membership, account: Account) -> None:
    if not visible_accounts(organization=organization, membership=actor).filter(pk=account.pk).exists():
        raise ApplicationError(_("Not found."), code="not_found", status=404)


@transaction.atomic
def activity_log(*, organization: Organization, actor: Membership, account: Account, **data: Any) -> Activity:
    """Log a visit, call, email, meeting or note on an account one can see."""
    _require_visible(organization, actor, account)
    data.setdefault("occurred_at", timezone.now())
    data.setdefault("kind", ActivityKind.NOTE)
    data.setdefault("summary", "")
    if data.get("next_step") and "next_step_owner" not in data:
        data["next_step_owner"] = actor
    data, contacts = _clean_activity(organization, account, dict(data), None)
    activity = Activity.objects.create(organization=organization, account=account, created_by=actor, **data)
    if contacts:
        ActivityContact.objects.bulk_create(
            [ActivityContact(organization=organization, activity=activity, contact=c) for c in contacts]
        )
    _touch_account(organization, account)
    return activity


def may_edit_activity(*, organization: Organization, actor: Membership, activity: Activity) -> bool:
    return is_own_activity(membership=actor, activity=activity) or may_edit_account(
        organization=organization, membership=actor, account=activity.account
    )


def _require_activity_editor(organization: Organization, actor: Membership, activity: Activity) -> None:
    # Who lost sight of the account (taken off its team) loses its activities too.
    _require_visible(organization, actor, activity.account)
    if not may_edit_activity(organization=organization, actor=actor, activity=activity):
        raise _forbidden(
            _(
                "Only the person who logged it, the next step's owner, the account's owner or lead, or an admin may change this activity."
            )
        )


@transaction.atomic
def activity_update(*, organization: Organization, actor: Membership, activity: Activity, **data: Any) -> Activity:
    activity = (
        Activity.objects.select_for_update().select_related("account").get(organization=organization, pk=activity.pk)
    )
    _require_activity_editor(organization, actor, activity)
    data, contacts = _clean_activity(organization, activity.account, dict(data), activity)
    for key, value in data.items():
        setattr(activity, key, value)
    activity.save()
    if contacts is not None:
        ActivityContact.objects.filter(organization=organization, activity=activity).delete()
        ActivityContact.objects.bulk_create(
            [ActivityContact(organization=organization, activity=activity, contact=c) for c in contacts]
        )
    _touch_account(organization, activity.account)
    return activity


@transaction.atomic
def activity_next_step_set_done(
    *, organization: Organization, actor: Membership, activity: Activity, is_done: bool = True
) -> Activity:
    activity = (
        Activity.objects.select_for_update().select_related("account").get(organization=organization, pk=activity.pk)
    )
    _require_activity_editor(organization, actor, activity)
    if not activity.next_step:
        raise ApplicationError(_("This activity has no next step."))
    if is_done and activity.next_step_done_at is None:
        activity.next_step_done_at = timezone.now()
    elif not is_done:
        activity.next_step_done_at = None
    activity.save(update_fields=["next_step_done_at", "updated_at"])
    return activity


# --- Incidents ----------------------------------------------------------------------------------

INCIDENT_FIELDS = ["title", "description", "severity", "status", "assignee", "opened_at"]


def _clean_incident(organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    _unknown(data, INCIDENT_FIELDS)
    check_lengths(Incident, **{k: v for k, v in data.items() if k in ("title", "description") and isinstance(v, str)})
    errors: dict[str, str] = {}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = _("This field is required.")
    if "severity" in data and data["severity"] not in Severity.values:
        errors["severity"] = _("Choose a value from the list.")
    if "status" in data and data["status"] not in IncidentStatus.values:
        errors["status"] = _("Choose a value from the list.")
    _optional_person(organization, data, "assignee", errors)
    if "opened_at" in data and not isinstance(data["opened_at"], datetime):
        try:
            parsed = datetime.fromisoformat(str(data["opened_at"]))
            data["opened_at"] = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        except ValueError:
            errors["opened_at"] = _("Enter a date and time.")
    _refuse(errors)
    return data


INCIDENT_AUDIT = ["title", "severity", "status", "assignee", "sla_due_at", "resolved_at"]


@transaction.atomic
def incident_open(*, organization: Organization, actor: Membership, account: Account, **data: Any) -> Incident:
    _require_visible(organization, actor, account)
    data.setdefault("title", "")
    data.setdefault("opened_at", timezone.now())
    data.setdefault("severity", Severity.NORMAL)
    data = _clean_incident(organization, dict(data))
    settings = portfolio_settings(organization=organization)
    incident = Incident(organization=organization, account=account, created_by=actor, **data)
    incident.sla_due_at = incident.opened_at + timedelta(hours=settings.sla_hours(incident.severity))
    if incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        incident.resolved_at = timezone.now()
    incident.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="incident.open",
        obj=incident,
        changes={k: [None, v] for k, v in audit_snapshot(incident, INCIDENT_AUDIT).items()},
    )
    return incident


@transaction.atomic
def incident_update(*, organization: Organization, actor: Membership, incident: Incident, **data: Any) -> Incident:
    """Anyone who sees the account may work an incident: people attend incidents as a team.
    Re-grading the severity moves the SLA; resolving stamps the time; reopening clears it."""
    incident = (
        Incident.objects.select_for_update().select_related("account").get(organization=organization, pk=incident.pk)
    )
    _require_visible(organization, actor, incident.account)
    data = _clean_incident(organization, dict(data))
    before = audit_snapshot(incident, INCIDENT_AUDIT)
    for key, value in data.items():
        setattr(incident, key, value)
    if "severity" in data or "opened_at" in data:
        incident.sla_due_at = incident.opened_at + timedelta(
            hours=portfolio_settings(organization=organization).sla_hours(incident.severity)
        )
    if incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        incident.resolved_at = incident.resolved_at or timezone.now()
    else:
        incident.resolved_at = None
    incident.save()
    audit_changes(organization=organization, actor=actor.user, action="incident.update", obj=incident, before=before)
    return incident


# --- Settings ------------------------------------------------------------------------------------

SETTINGS_FIELDS = ["sla_hours_low", "sla_hours_normal", "sla_hours_high", "sla_hours_critical", "quiet_after_days"]
SLA_FIELDS = ("sla_hours_low", "sla_hours_normal", "sla_hours_high", "sla_hours_critical")  # the least severe first


@transaction.atomic
def portfolio_settings_update(*, organization: Organization, actor: Membership, **data: Any) -> PortfolioSettings:
    if not actor.is_admin:
        raise _forbidden(_("Only an admin of this organisation may do that."))
    _unknown(data, SETTINGS_FIELDS)
    errors: dict[str, str] = {}
    for key in list(data):
        high = 365 if key == "quiet_after_days" else 24 * 90
        data[key] = _whole(data[key], key, errors, 1, high, _("A whole number from 1 to %(high)s.") % {"high": high})
    _refuse(errors)
    settings, _created = PortfolioSettings.objects.select_for_update().get_or_create(organization=organization)
    # A more severe incident is never given longer than a less severe one.
    hours = {key: data.get(key, getattr(settings, key)) for key in SLA_FIELDS}
    for less, more in zip(SLA_FIELDS, SLA_FIELDS[1:], strict=False):
        if hours[more] > hours[less]:
            errors[more] = _("At most the hours of the less severe level (%(hours)s).") % {"hours": hours[less]}
    _refuse(errors)
    before = audit_snapshot(settings, SETTINGS_FIELDS)
    for key, value in data.items():
        setattr(settings, key, value)
    settings.save()
    audit_changes(organization=organization, actor=actor.user, action="settings.portfolio", obj=settings, before=before)
    return settings
