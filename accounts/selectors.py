"""Reads for accounts: who may see which account, the portfolio, the account 360 page, my day,
incidents and search. Each takes the organisation and the asking membership explicitly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Now, Replace
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts import permissions
from accounts.models import (
    OPEN_INCIDENT_STATUSES,
    OWNERS,
    Account,
    AccountTeamMember,
    Activity,
    ActivityContact,
    Incident,
    Objective,
    ObjectiveActual,
    PortfolioSettings,
)
from clients.models import Client, Contact
from clients.selectors import matching
from tenancy.models import AuditEvent, Membership, Organization, Team, TeamMember
from tenancy.selectors import audit_display, one_or_none
from tenancy.text import search_terms

# --- Visibility ---------------------------------------------------------------------------


def visible_accounts(*, organization: Organization, membership: Membership) -> QuerySet[Account]:
    return Account.objects.filter(organization=organization).filter(permissions.account_visibility(membership))


def account_get(*, organization: Organization, membership: Membership, account_id: int) -> Account:
    """The account if this person may see it; Account.DoesNotExist (a 404) if not, whether it
    exists or not."""
    return (
        visible_accounts(organization=organization, membership=membership)
        .select_related("client", "owner__user", "sales_team")
        .get(pk=account_id)
    )


def account_owner_choices(*, organization: Organization, membership: Membership) -> QuerySet[Membership]:
    """Whom this person may make the owner of an account they open: themselves, unless they
    open accounts for others (accounts.permissions)."""
    owners = (
        Membership.objects.filter(organization=organization, **OWNERS)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    return owners if permissions.can_open_accounts_for_others(membership) else owners.filter(pk=membership.pk)


def account_executive_choices(*, organization: Organization) -> list[tuple[int, str]]:
    """[(id, name)] of who may own an account, without model instances: the reassign selects."""
    return list(
        Membership.objects.filter(organization=organization, **OWNERS)
        .order_by("user__full_name", "pk")
        .values_list("pk", "user__full_name")
    )


def sales_team_of(*, organization: Organization, owner_id: int | None) -> int | None:
    """The team an account of `owner_id` belongs in by default: theirs, when they are in one
    team only (the lead of that team then sees the account)."""
    if owner_id is None:
        return None
    teams = list(
        TeamMember.objects.filter(organization=organization, membership_id=owner_id).values_list("team_id", flat=True)[
            :2
        ]
    )
    return teams[0] if len(teams) == 1 else None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a form offers, and whether they see the account the form is about."""

    pk: int
    name: str
    sees_account: bool


def people_for_account(*, organization: Organization, account: Account) -> list[Person]:
    """The organisation's active people by name, each saying whether they see `account` (one
    query): the account team form offers anyone; next steps and incidents go only to who
    sees the account (accounts.permissions.can_hold_work_on)."""
    sees = Case(When(permissions.account_viewers(account), then=Value(True)), default=Value(False))
    return [
        Person(pk, name, seen)
        for pk, name, seen in Membership.objects.filter(organization=organization, is_active=True)
        .annotate(sees_account=sees)
        .order_by("user__full_name", "pk")
        .values_list("pk", "user__full_name", "sees_account")
    ]


def portfolio_settings(*, organization: Organization) -> PortfolioSettings:
    """The organisation's settings, or the defaults (unsaved) when it never changed them."""
    return one_or_none(PortfolioSettings.objects.filter(organization=organization)) or PortfolioSettings(
        organization=organization
    )


# --- The portfolio --------------------------------------------------------------------------


def overdue_next_step_exists(organization: Organization) -> Exists:
    return Exists(
        Activity.objects.filter(
            organization=organization,
            account=OuterRef("pk"),
            next_step_done_at__isnull=True,
            next_step_due__lt=timezone.localdate(),
        ).exclude(next_step="")
    )


def account_list(*, organization: Organization, membership: Membership) -> QuerySet[Account]:
    """Visible accounts with their client, owner and team objects and the overdue flag, in
    joins and one EXISTS: what the API shows (the portfolio page reads portfolio_list)."""
    return (
        visible_accounts(organization=organization, membership=membership)
        .select_related("client", "owner__user", "sales_team")
        .annotate(has_overdue_next_steps=overdue_next_step_exists(organization))
    )


# What a portfolio row (and its export) shows of an account and its client.
PORTFOLIO_FIELDS = (
    "name",
    "client__legal_name",
    "client__trade_name",
    "owner",
    "sales_team",
    "currency",
    "payment_terms_days",
    "credit_limit",
    "risk_rating",
    "tier",
    "status",
    "last_activity_at",
)


PORTFOLIO_ORDER = ("name", "id")


def portfolio_list(*, organization: Organization, membership: Membership) -> QuerySet[Account]:
    """The portfolio page's rows: the accounts of account_list, with only the columns a row
    shows and the owner's and team's names (`owner_name`, `sales_team_name`) instead of objects;
    by name unless the list sorts them otherwise (accounts.filters.AccountFilter).

    The names are subqueries, not joins: a page reads them for its 25 rows, and counting the
    list's rows (the paginator's and an export's total) joins nothing. An export of the whole
    list reads them with joins (accounts.exports.PORTFOLIO_COLUMNS)."""
    owners = Membership.objects.filter(organization=organization, pk=OuterRef("owner_id"))
    teams = Team.objects.filter(organization=organization, pk=OuterRef("sales_team_id")).order_by()
    return (
        visible_accounts(organization=organization, membership=membership)
        .select_related("client")
        .only(*PORTFOLIO_FIELDS)
        .annotate(
            has_overdue_next_steps=overdue_next_step_exists(organization),
            owner_name=Subquery(owners.values("user__full_name")),
            sales_team_name=Subquery(teams.values("name")),
        )
        .order_by(*PORTFOLIO_ORDER)
    )


def with_account_summaries(accounts: list[Account], *, organization: Organization) -> list[Account]:
    """Give each account what the apps to the right of accounts say of it, as
    `<app label>_summary` (billing_summary: its balance, overdue amount and oldest overdue
    invoice): one query per app for the whole list, whatever its length. Each app names its
    function in its AppConfig's `account_summary`, (*, organization, accounts) -> {account id:
    summary}: accounts imports none of them (the map's dependencies point one way)."""
    for config in apps.get_app_configs():
        if path := getattr(config, "account_summary", None):
            summaries = import_string(path)(organization=organization, accounts=accounts)
            for account in accounts:
                setattr(account, f"{config.label}_summary", summaries.get(account.pk))
    return accounts


def with_account_page_summaries(accounts: list[Account], *, organization: Organization) -> list[Account]:
    """As with_account_summaries, for the account page only (what is too much for a list of
    accounts): each app's AppConfig `account_page_summary` (offers: the account's open offers),
    as `<app label>_page_summary`."""
    for config in apps.get_app_configs():
        if path := getattr(config, "account_page_summary", None):
            summaries = import_string(path)(organization=organization, accounts=accounts)
            for account in accounts:
                setattr(account, f"{config.label}_page_summary", summaries.get(account.pk))
    return accounts


# --- Objectives -------------------------------------------------------------------------------


@dataclass
class ObjectiveProgress:
    objective: Objective
    actual: Decimal | None
    expected: Decimal
    elapsed_pct: int
    progress_pct: int | None
    state: str  # "ahead", "on_track", "behind", "no_data", "not_started"
    points: list[tuple[str, str]] = field(default_factory=list)  # (as_of, value) for the chart


def objective_progress(objective: Objective, actuals: list[ObjectiveActual], today: date) -> ObjectiveProgress:
    """Compare the latest actual with the target pro-rated for the elapsed part of the period.

    Cumulative metrics (money, counts, custom) are pro-rated; rates (percentages) are held
    to the whole target at every moment. Within the tolerance counts as on track.
    Computed actuals win over manual ones for the same date.
    """
    total_days = (objective.period_end - objective.period_start).days + 1
    elapsed_days = min(max((today - objective.period_start).days + 1, 0), total_days)
    elapsed = Decimal(elapsed_days) / Decimal(total_days)
    expected = (objective.target * elapsed if objective.is_cumulative else objective.target).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    by_date: dict[date, ObjectiveActual] = {}
    # An actual dated after `today` is not known yet as of `today`.
    for actual in sorted((a for a in actuals if a.as_of <= today), key=lambda a: (a.as_of, a.source == "computed")):
        by_date[actual.as_of] = actual
    points = [(d.isoformat(), str(a.value)) for d, a in sorted(by_date.items())]
    latest = by_date[max(by_date)] if by_date else None
    elapsed_pct = int((elapsed * 100).to_integral_value(ROUND_HALF_UP))
    if elapsed_days == 0:
        return ObjectiveProgress(objective, latest.value if latest else None, expected, 0, None, "not_started", points)
    if latest is None:
        return ObjectiveProgress(objective, None, expected, elapsed_pct, None, "no_data", points)
    progress = (
        int((latest.value * 100 / objective.target).to_integral_value(ROUND_HALF_UP)) if objective.target else 100
    )
    tolerance = expected * objective.tolerance_pct / 100
    if latest.value < expected - tolerance:
        state = "behind"
    elif latest.value > expected + tolerance:
        state = "ahead"
    else:
        state = "on_track"
    return ObjectiveProgress(objective, latest.value, expected, elapsed_pct, progress, state, points)


# --- Account 360 -----------------------------------------------------------------------------


@dataclass
class Account360:
    account: Account
    client: Client
    contacts: list[Contact]
    team: list[AccountTeamMember]
    objectives: list[ObjectiveProgress]
    activities: list[Activity]
    has_more_activities: bool
    open_incidents: list[Incident]
    next_steps: list[Activity]
    audit: list[AuditEvent]
    has_more_audit: bool
    can_edit: bool
    can_reassign: bool
    can_rate_risk: bool


TIMELINE_PAGE = 10
# An account's own fields: what its audit rows record (services) and its page shows.
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
# What the account page shows of the account and its client.
ACCOUNT_360_FIELDS = (
    "organization",
    *ACCOUNT_FIELDS[1:],
    "client__legal_name",
    "client__trade_name",
    "client__sector",
    "client__city",
    "client__notes",
    "client__weight_price",
    "client__weight_time_to_market",
    "client__weight_delivery_time",
    "client__weight_quality",
)
# What a timeline item shows of an activity.
TIMELINE_FIELDS = (
    "account",
    "kind",
    "occurred_at",
    "duration_minutes",
    "summary",
    "outcome",
    "next_step",
    "next_step_due",
    "next_step_done_at",
    "created_by",
    "next_step_owner",
)


def with_may_edit(activities: list[Activity], *, membership: Membership, account_editable: bool) -> list[Activity]:
    """Each activity's `may_edit` (permissions.can_edit_activity) from what the page read
    already (whether the person may edit the account itself), so a page offers only what works."""
    for activity in activities:
        activity.may_edit = permissions.can_edit_activity(membership, activity, account_editable=account_editable)
    return activities


def account_audit_events(
    *, organization: Organization, account: Account, objective_ids: Sequence[int] = ()
) -> QuerySet[AuditEvent]:
    """The audit trail of an account: its own changes, its client's, and those of the
    objectives given; newest first."""
    about = Q(object_type="accounts.account", object_id=account.pk) | Q(
        object_type="clients.client", object_id=account.client_id
    )
    if objective_ids:
        about |= Q(object_type="accounts.objective", object_id__in=objective_ids)
    return (
        AuditEvent.objects.filter(organization=organization)
        .filter(about)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


AUDIT_PAGE = 20
# The objectives whose changes the account page's trail shows: those the page shows.
OBJECTIVES_SHOWN_DAYS = 90


def account_audit_page(
    *, organization: Organization, account: Account, objective_ids: Sequence[int], before_id: int | None = None
) -> tuple[list[AuditEvent], bool]:
    """A page of the account page's audit trail, ready to show (audit_display), and whether
    older changes exist. `before_id`: the oldest event of the page before (keyset
    pagination); an id that is not in this trail gives an empty page."""
    # Of the person who made each change, the page shows the name (`actor_name`), not a user.
    events = (
        account_audit_events(organization=organization, account=account, objective_ids=objective_ids)
        .select_related(None)
        .only("action", "object_type", "changes", "created_at")
        .annotate(actor_name=F("actor__full_name"))
    )
    if before_id is not None:
        pivot = events.filter(pk=before_id).values("created_at").first()
        if pivot is None:
            return [], False
        events = events.filter(
            Q(created_at__lt=pivot["created_at"]) | Q(created_at=pivot["created_at"], pk__lt=before_id)
        )
    page = list(events[: AUDIT_PAGE + 1])
    return audit_display(page[:AUDIT_PAGE], organization=organization), len(page) > AUDIT_PAGE


def account_audit_older(
    *, organization: Organization, account: Account, before_id: int, today: date | None = None
) -> tuple[list[AuditEvent], bool]:
    """The page of the account page's trail older than `before_id`, about the same objectives."""
    since = (today or timezone.localdate()) - timedelta(days=OBJECTIVES_SHOWN_DAYS)
    objective_ids = list(
        Objective.objects.filter(organization=organization, account=account, period_end__gte=since).values_list(
            "pk", flat=True
        )
    )
    return account_audit_page(
        organization=organization, account=account, objective_ids=objective_ids, before_id=before_id
    )


def contacts_of_activities(organization: Organization, *fields: str) -> Prefetch:
    """Each activity's contacts as a plain list, `contact_list`: one query for all of them
    (only `fields` of each contact, when given)."""
    contacts = Contact.objects.filter(organization=organization)
    return Prefetch("contacts", queryset=contacts.only(*fields) if fields else contacts, to_attr="contact_list")


@dataclass(frozen=True, slots=True)
class ContactName:
    """A contact of an activity as the timeline shows it."""

    pk: int
    full_name: str


def with_contact_names(activities: list[Activity], *, organization: Organization) -> list[Activity]:
    """Give each activity its contacts, `contact_list` [ContactName], primary first and by name:
    one query of (activity, contact, name) for the whole list, without the prefetch machinery
    or a model instance per contact. The query runs for an empty list too, so a page's query
    count does not depend on its data."""
    by_activity: dict[int, list[ContactName]] = {activity.pk: [] for activity in activities}
    links = (
        ActivityContact.objects.filter(organization=organization, activity_id__in=list(by_activity) or [0])
        .order_by("-contact__is_primary", "contact__full_name", "contact_id")
        .values_list("activity_id", "contact_id", "contact__full_name")
    )
    for activity_id, contact_id, name in links:
        by_activity[activity_id].append(ContactName(contact_id, name))
    for activity in activities:
        activity.contact_list = by_activity[activity.pk]
    return activities


def with_people_names(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Who logged each activity and who owns its next step, by name (`created_by_name`,
    `next_step_owner_name`): a page that shows names needs no membership or user objects."""
    return activities.annotate(
        created_by_name=F("created_by__user__full_name"), next_step_owner_name=F("next_step_owner__user__full_name")
    )


def account_360(
    *, organization: Organization, membership: Membership, account_id: int, today: date | None = None
) -> Account360:
    """Everything the account page shows, in a fixed number of queries whatever the data."""
    today = today or timezone.localdate()
    # Each read takes only the columns the page shows: Django's cost grows with every column
    # of every row. Of the owner and the team, the page shows their names (`owner_name`,
    # `sales_team_name`).
    account = (
        visible_accounts(organization=organization, membership=membership)
        .select_related("client")
        .only(*ACCOUNT_360_FIELDS)
        .annotate(owner_name=F("owner__user__full_name"), sales_team_name=F("sales_team__name"))
        .get(pk=account_id)
    )
    with_account_summaries([account], organization=organization)
    with_account_page_summaries([account], organization=organization)
    contacts = list(
        Contact.objects.filter(organization=organization, client_id=account.client_id).only(
            "full_name", "job_title", "buying_role", "email", "phone", "is_primary"
        )
    )
    team = list(
        AccountTeamMember.objects.filter(organization=organization, account=account)
        .only("role", "membership_id")
        .annotate(member_name=F("membership__user__full_name"))
        .order_by("role", "member_name")
    )
    since = today - timedelta(days=OBJECTIVES_SHOWN_DAYS)
    objectives = list(
        Objective.objects.filter(organization=organization, account=account, period_end__gte=since)
        .only("metric", "custom_metric_name", "period_start", "period_end", "target", "tolerance_pct")
        .order_by("period_end", "metric")
    )
    # One query for the actuals even when there is no objective: the page's query count
    # does not depend on the data.
    actuals: dict[int, list[ObjectiveActual]] = {o.pk: [] for o in objectives}
    # Unordered: objective_progress orders each objective's actuals itself.
    for actual in (
        ObjectiveActual.objects.filter(
            organization=organization, objective__account=account, objective__period_end__gte=since
        )
        .only("objective", "as_of", "value", "source")
        .order_by()
    ):
        actuals.setdefault(actual.objective_id, []).append(actual)
    activities = with_contact_names(
        list(
            with_people_names(Activity.objects.filter(organization=organization, account=account))
            .only(*TIMELINE_FIELDS)
            .order_by("-occurred_at", "-id")[: TIMELINE_PAGE + 1]
        ),
        organization=organization,
    )
    next_steps = list(
        Activity.objects.filter(organization=organization, account=account, next_step_done_at__isnull=True)
        .exclude(next_step="")
        .only("next_step", "next_step_due", "created_by", "next_step_owner")
        .annotate(next_step_owner_name=F("next_step_owner__user__full_name"))
        .order_by("next_step_due", "id")[:20]
    )
    incidents = list(
        Incident.objects.filter(organization=organization, account=account, status__in=OPEN_INCIDENT_STATUSES)
        .only("title", "severity", "status", "sla_due_at")
        .order_by("sla_due_at")[:20]
    )
    audit, has_more_audit = account_audit_page(
        organization=organization, account=account, objective_ids=[o.pk for o in objectives]
    )
    can_edit = permissions.can_edit_account(membership, account)
    with_may_edit(activities, membership=membership, account_editable=can_edit)
    with_may_edit(next_steps, membership=membership, account_editable=can_edit)
    return Account360(
        account=account,
        client=account.client,
        contacts=contacts,
        team=team,
        objectives=[objective_progress(o, actuals[o.pk], today) for o in objectives],
        activities=activities[:TIMELINE_PAGE],
        has_more_activities=len(activities) > TIMELINE_PAGE,
        open_incidents=incidents,
        next_steps=next_steps,
        audit=audit,
        has_more_audit=has_more_audit,
        can_edit=can_edit,
        can_reassign=permissions.can_reassign_account(membership, account),
        can_rate_risk=permissions.can_set_risk_rating(membership, account),
    )


def activity_timeline(
    *, organization: Organization, membership: Membership, account: Account, before_id: int | None = None
) -> tuple[list[Activity], bool]:
    """One more page of the timeline, older than `before_id` (keyset pagination)."""
    activities = Activity.objects.filter(organization=organization, account=account)
    if before_id is not None:
        pivot = (
            Activity.objects.filter(organization=organization, account=account, pk=before_id)
            .values("occurred_at")
            .first()
        )
        if pivot is not None:
            activities = activities.filter(
                Q(occurred_at__lt=pivot["occurred_at"]) | Q(occurred_at=pivot["occurred_at"], pk__lt=before_id)
            )
    page = list(
        with_people_names(activities).only(*TIMELINE_FIELDS).order_by("-occurred_at", "-id")[: TIMELINE_PAGE + 1]
    )
    with_may_edit(page, membership=membership, account_editable=permissions.can_edit_account(membership, account))
    return with_contact_names(page[:TIMELINE_PAGE], organization=organization), len(page) > TIMELINE_PAGE


def activity_get(*, organization: Organization, membership: Membership, activity_id: int) -> Activity:
    return activity_list(organization=organization, membership=membership).get(pk=activity_id)


def activity_list(*, organization: Organization, membership: Membership) -> QuerySet[Activity]:
    visible = visible_accounts(organization=organization, membership=membership)
    # The people as objects for the API (id and name), and by name for the timeline partial.
    return with_people_names(
        Activity.objects.filter(organization=organization, account__in=visible)
        .select_related("account", "created_by__user", "next_step_owner__user")
        .prefetch_related(contacts_of_activities(organization))
    )


def objective_list(*, organization: Organization, membership: Membership) -> QuerySet[Objective]:
    visible = visible_accounts(organization=organization, membership=membership)
    return (
        Objective.objects.filter(organization=organization, account__in=visible)
        .select_related("account")
        .prefetch_related(Prefetch("actuals", queryset=ObjectiveActual.objects.filter(organization=organization)))
    )


def objective_get(*, organization: Organization, membership: Membership, objective_id: int) -> Objective:
    return objective_list(organization=organization, membership=membership).get(pk=objective_id)


def account_team_list(*, organization: Organization, membership: Membership) -> QuerySet[AccountTeamMember]:
    visible = visible_accounts(organization=organization, membership=membership)
    return AccountTeamMember.objects.filter(organization=organization, account__in=visible).select_related(
        "account", "membership__user"
    )


def account_team_member_get(*, organization: Organization, membership: Membership, member_id: int) -> AccountTeamMember:
    return account_team_list(organization=organization, membership=membership).get(pk=member_id)


# --- Incidents -------------------------------------------------------------------------------


# Past their SLA first (and still open), then by how soon the SLA falls due.
INCIDENT_ORDER = ("-is_overdue_now", "sla_due_at", "id")


def incident_list(*, organization: Organization, membership: Membership) -> QuerySet[Incident]:
    """Incidents on the accounts this person sees; `is_overdue_now` marks the open ones past
    their SLA, which come first unless the list sorts them otherwise."""
    visible = visible_accounts(organization=organization, membership=membership)
    overdue = Q(status__in=OPEN_INCIDENT_STATUSES, sla_due_at__lt=Now())
    return (
        Incident.objects.filter(organization=organization, account__in=visible)
        .select_related("account__client", "assignee__user")
        .annotate(
            is_overdue_now=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .order_by(*INCIDENT_ORDER)
    )


def incident_audit(*, organization: Organization, incident: Incident) -> list[AuditEvent]:
    return audit_display(
        list(
            AuditEvent.objects.filter(organization=organization, object_type="accounts.incident", object_id=incident.pk)
            .select_related("actor")
            .order_by("-created_at", "-id")[:20]
        ),
        organization=organization,
    )


def incident_get(*, organization: Organization, membership: Membership, incident_id: int) -> Incident:
    return incident_list(organization=organization, membership=membership).get(pk=incident_id)


# --- My day ----------------------------------------------------------------------------------


@dataclass
class MyDay:
    next_steps: list[Activity]
    incidents: list[Incident]
    quiet_accounts: list[Account]
    quiet_after_days: int
    today: date
    limit: int  # each list shows at most this many: a full list means there are more
    # A sales lead's team, in a section of its own (None for who leads no team): what is late
    # on the accounts they lead and in other people's hands.
    team_incidents: list[Incident] | None = None
    team_next_steps: list[Activity] | None = None


def my_day(
    *, organization: Organization, membership: Membership, now: datetime | None = None, limit: int = 20
) -> MyDay:
    """Next steps I own that are due today or overdue; open incidents past or within a day of
    their SLA on accounts I see (assigned to me first); my accounts quiet for the
    organisation's number of days (since their last activity or, with none, their start).
    For a sales lead, also their team's incidents past their SLA and overdue next steps,
    in other people's hands: two more queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = portfolio_settings(organization=organization)
    visible = visible_accounts(organization=organization, membership=membership)
    # Each list reads only the columns its lines show.
    next_steps = list(
        _open_next_steps(organization)
        .filter(next_step_owner=membership, next_step_due__lte=today, account__in=visible)
        .order_by("next_step_due", "id")[:limit]
    )
    incidents = list(
        _open_incidents(organization)
        .filter(account__in=visible, sla_due_at__lte=now + timedelta(hours=24))
        .filter(Q(assignee=membership) | Q(assignee__isnull=True) | Q(account__owner=membership))
        .annotate(is_mine=Case(When(assignee=membership, then=Value(0)), default=Value(1)))
        .order_by("is_mine", "sla_due_at", "id")[:limit]
    )
    quiet_since = now - timedelta(days=settings.quiet_after_days)
    # An account executive's own accounts are visible to them by definition: no need to ask
    # the visibility rule again (its EXISTS costs more to build than the rest of the query).
    mine = (
        Account.objects.filter(organization=organization, owner=membership)
        if not permissions.can_see_every_account(membership) and not membership.is_sales_lead
        else visible
    )
    quiet = list(
        mine.exclude(status="closed")
        .filter(
            Q(last_activity_at__lt=quiet_since)
            | Q(last_activity_at__isnull=True, start_date__lte=timezone.localdate(quiet_since))
        )
        .select_related("client")
        .only("name", "last_activity_at", "start_date", "client__legal_name", "client__trade_name")
        .order_by("last_activity_at", "name")[:limit]
    )
    day = MyDay(
        next_steps=next_steps,
        incidents=incidents,
        quiet_accounts=quiet,
        quiet_after_days=settings.quiet_after_days,
        today=today,
        limit=limit,
    )
    if membership.is_sales_lead:
        led = Account.objects.filter(organization=organization).filter(permissions.led_accounts(membership))
        day.team_incidents = list(
            _open_incidents(organization)
            .filter(account__in=led, sla_due_at__lt=now, assignee__isnull=False)
            .exclude(assignee=membership)
            .exclude(account__owner=membership)
            .order_by("sla_due_at", "id")[:limit]
        )
        day.team_next_steps = list(
            _open_next_steps(organization)
            .filter(account__in=led, next_step_due__lt=today, next_step_owner__isnull=False)
            .exclude(next_step_owner=membership)
            .annotate(next_step_owner_name=F("next_step_owner__user__full_name"))
            .order_by("next_step_due", "id")[:limit]
        )
    return day


def _open_next_steps(organization: Organization) -> QuerySet[Activity]:
    """Next steps not done yet, with what a line of My day shows."""
    return (
        Activity.objects.filter(organization=organization, next_step_done_at__isnull=True)
        .exclude(next_step="")
        .select_related("account__client")
        .only(
            "next_step", "next_step_due", "account__name", "account__client__legal_name", "account__client__trade_name"
        )
    )


def _open_incidents(organization: Organization) -> QuerySet[Incident]:
    """Open incidents, with what a line of My day shows."""
    return (
        Incident.objects.filter(organization=organization, status__in=OPEN_INCIDENT_STATUSES)
        .select_related("account")
        .only("title", "severity", "status", "sla_due_at", "assignee", "account__name")
        .annotate(assignee_name=F("assignee__user__full_name"))
    )


# --- Search ----------------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    clients: list[Client]
    contacts: list[Contact]
    accounts: list[Account]

    @property
    def is_empty(self) -> bool:
        return not (self.clients or self.contacts or self.accounts)


def _every_term(query: str, *fields: str) -> Q:
    """Each term of the query in one of `fields` (normalised search texts), as
    clients.selectors.matching asks of one."""
    condition = Q()
    for term in search_terms(query):
        found = Q()
        for name in fields:
            found |= Q(**{f"{name}__contains": term})
        condition &= found
    return condition


# What people put between the digits of a phone number (clients.services.PHONE).
PHONE_PUNCTUATION = (" ", "+", "(", ")", "-", ".")
PHONE_DIGITS_AT_LEAST = 6


def _phone_digits(field: str):
    expression = F(field)
    for mark in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""))
    return expression


def search(*, organization: Organization, membership: Membership, query: str, limit: int = 6) -> SearchResults:
    """Clients, contacts and the accounts this person may see whose text contains every word
    of the query, ignoring case and accents ("sants montjuic" finds "Sants-Montjuïc"). An
    account is found by its own name and by its client's ("ceramiques" finds the accounts of
    Ceràmiques Ferrer); a contact also by phone number, however it is written ("972123456"
    finds "+34 972 12 34 56")."""
    # A query with no word in it ("--") would match every row.
    if len(query.strip()) < 2 or not search_terms(query):
        return SearchResults(query, [], [], [])
    # Only what a result line shows: the search text and notes can be long.
    clients = list(
        matching(Client.objects.filter(organization=organization), query)
        .only("legal_name", "trade_name", "city", "country")
        .order_by("legal_name")[:limit]
    )
    contact_found = _every_term(query, "search_text")
    digits = "".join(ch for ch in query if ch in "0123456789")
    if len(digits) >= PHONE_DIGITS_AT_LEAST:
        contact_found |= Q(phone_digits__contains=digits)
    contacts = list(
        Contact.objects.filter(organization=organization)
        .alias(phone_digits=_phone_digits("phone"))
        .filter(contact_found)
        .select_related("client")
        .only("full_name", "job_title", "client__legal_name", "client__trade_name")
        .order_by("full_name")[:limit]
    )
    accounts = list(
        visible_accounts(organization=organization, membership=membership)
        .filter(_every_term(query, "search_text", "client__search_text"))
        .select_related("client")
        .only("name", "client__legal_name", "client__trade_name")
        .order_by("name")[:limit]
    )
    return SearchResults(query, clients, contacts, accounts)
