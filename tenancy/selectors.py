"""Reads for tenancy. Each takes the organisation explicitly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Choices, DateField, DecimalField, Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tenancy.models import (
    ApiToken,
    AuditEvent,
    Export,
    Invitation,
    Membership,
    Organization,
    Role,
    Team,
    TeamMember,
    User,
)
from tenancy.scope import user_scope
from tenancy.text import amount_text


def one_or_none[M: Model](queryset: QuerySet[M]) -> M | None:
    """The row a lookup by a unique key finds, or None, read without ordering. `.first()` orders
    (by the model's ordering, else by pk), and compiling an ORDER BY costs more Python than the
    lookup's own conditions (about 0.3 M instructions): every page makes two such lookups (its
    organisation, the person's membership)."""
    return next(iter(queryset.order_by()[:1]), None)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class ResolvedMembership:
    membership: Membership | None
    token: ApiToken | None = None
    error: str | None = None
    message: str = ""


def membership_for_request(*, organization: Organization, user, bearer: str | None) -> ResolvedMembership:
    """Who is asking, inside `organization`'s scope. A token wins over a session.

    A token that is not this organisation's (or not anyone's) resolves to no
    membership, which the caller answers with 404, like any non-member.
    """
    if bearer is not None:
        token = one_or_none(
            ApiToken.objects.select_related("membership__user").filter(
                organization=organization, key_hash=token_hash(bearer)
            )
        )
        if token is None or not token.membership.is_active or not token.membership.user.is_active:
            return ResolvedMembership(None)
        if token.revoked_at is not None:
            return ResolvedMembership(None, token, "token_revoked", "This API token has been revoked.")
        if token.expires_at <= timezone.now():
            return ResolvedMembership(None, token, "token_expired", "This API token has expired.")
        return ResolvedMembership(token.membership, token)
    if not user.is_authenticated or not user.is_active:
        return ResolvedMembership(None)
    membership = one_or_none(Membership.objects.filter(organization=organization, user=user, is_active=True))
    if membership is not None:
        membership.user = user  # the person the session already loaded: no second read
    return ResolvedMembership(membership)


def api_token_mark_used(*, organization: Organization, token: ApiToken) -> None:
    """Bookkeeping after a successful request; a refused request leaves the token as it was."""
    ApiToken.objects.filter(organization=organization, pk=token.pk).update(last_used_at=timezone.now())


def organization_list_for_user(*, user: User) -> list[Organization]:
    """The organisations a person is an active member of, before any is chosen."""
    if not user.is_authenticated:
        return []
    with user_scope(user.pk):
        # Across organisations by nature: the membership policy shows exactly this
        # person's own rows (app.user_id), and the filter says the same.
        own = Membership.unscoped_dangerously.filter(user=user, is_active=True).values("organization_id")
        return list(Organization.objects.filter(pk__in=own, is_active=True).order_by("name"))


def invitation_list_for_person(*, user: User) -> list[Invitation]:
    """The invitations waiting for a person's answer, in every organisation that invited them."""
    if not user.is_authenticated:
        return []
    with user_scope(user.pk):
        # Before they belong to an organisation there is no organisation to scope by: the
        # invitation policy shows exactly this person's own rows (app.user_id), and so does the filter.
        invitations = Invitation.unscoped_dangerously.filter(user=user, organization__is_active=True)
        return list(invitations.select_related("organization").order_by("organization__name"))


def invitation_of_person(*, user: User, invitation_id: int) -> Invitation:
    """One invitation waiting for `user`'s answer; anyone else's is Invitation.DoesNotExist."""
    with user_scope(user.pk):
        # As above: the person is not in the organisation yet, so only their own row is visible.
        return Invitation.unscoped_dangerously.select_related("organization").get(
            pk=invitation_id, user=user, organization__is_active=True
        )


def invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    """The invitations of an organisation that wait for an answer: only what the admin typed."""
    return Invitation.objects.filter(organization=organization).order_by("email")


def invitation_get(*, organization: Organization, invitation_id: int) -> Invitation:
    return Invitation.objects.get(organization=organization, pk=invitation_id)


def membership_list(*, organization: Organization, include_inactive: bool = True) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(organization=organization).select_related("user")
    if not include_inactive:
        memberships = memberships.filter(is_active=True)
    return memberships.order_by("-is_active", "user__full_name", "user__email")


def membership_get(*, organization: Organization, membership_id: int) -> Membership:
    return Membership.objects.select_related("user").get(organization=organization, pk=membership_id)


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization).prefetch_related(
        Prefetch(
            "team_members",
            queryset=TeamMember.objects.filter(organization=organization)
            .select_related("membership__user")
            .order_by("-is_lead", "membership__user__full_name"),
        )
    )


def team_get(*, organization: Organization, team_id: int) -> Team:
    return team_list(organization=organization).get(pk=team_id)


def team_ids_led_by(*, organization: Organization, membership: Membership) -> set[int]:
    return set(
        TeamMember.objects.filter(organization=organization, membership=membership, is_lead=True).values_list(
            "team_id", flat=True
        )
    )


def api_token_list(*, organization: Organization, membership: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization, membership=membership)


def api_token_get(*, organization: Organization, membership: Membership, token_id: int) -> ApiToken:
    return ApiToken.objects.get(organization=organization, membership=membership, pk=token_id)


def audit_display(events: list[AuditEvent], *, organization: Organization) -> list[AuditEvent]:
    """Give each event `display_action` and `display_changes` [(label, from, to)] for people:
    field names as their model calls them, codes by their label in the reader's language,
    people and teams by name. Two queries, however many events."""
    from django.apps import apps

    people_ids, team_ids = set(), set()

    def collect(name, value):
        if isinstance(value, dict):
            for key, item in value.items():
                collect(key, item)
        elif isinstance(value, list):
            for item in value:
                collect(name, item)
        elif name in PERSON_FIELDS and isinstance(value, int):
            people_ids.add(value)
        elif name in TEAM_FIELDS and isinstance(value, int):
            team_ids.add(value)

    for event in events:
        for name, values in event.changes.items():
            collect(name, values)
    # Always both queries (with an id that matches nothing when there is nothing to look up),
    # so the page's query count does not depend on which changes are on it.
    people = dict(
        Membership.objects.filter(organization=organization, pk__in=people_ids or {0}).values_list(
            "pk", "user__full_name"
        )
    )
    teams = dict(
        Team.objects.filter(organization=organization, pk__in=team_ids or {0}).order_by().values_list("pk", "name")
    )  # a dict: no ORDER BY

    def shown(name, value, choices, field):
        """One stored value as a person reads it. A dict is one thing described by its parts,
        the first one naming it: {"membership": 7, "account_role": "finance_contact"} reads
        "Marta Puig (Finance contact)"."""
        if isinstance(value, dict):
            parts = [
                str(part)
                for part in (shown(key, item, {}, None) for key, item in value.items())
                if part not in (None, "")
            ]
            return f"{parts[0]} ({', '.join(parts[1:])})" if len(parts) > 1 else "".join(parts)
        if isinstance(value, list):
            return ", ".join(str(shown(name, item, choices, field)) for item in value)
        lookup = (
            people if name in PERSON_FIELDS else teams if name in TEAM_FIELDS else choices or AUDIT_CODES.get(name, {})
        )
        if lookup:
            return lookup.get(value, value)
        if isinstance(field, DateField) or name == "as_of":  # a DateTimeField is one too
            return _moment(value)
        if isinstance(field, DecimalField) or name == "actual":
            return _amount(value, field.decimal_places if field else 2)
        return value

    for event in events:
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            model = None
        rows = []
        # What a new object holds is on the page already; its creation says enough.
        creating = event.action.endswith((".create", ".open", ".add"))
        for name, values in ({} if creating else event.changes).items():
            label, choices, field = AUDIT_LABELS.get(name, name), {}, None
            if model is not None and name not in AUDIT_LABELS:
                try:
                    field = model._meta.get_field(name)
                    label, choices = str(field.verbose_name), {k: str(v) for k, v in field.flatchoices}
                except Exception:  # a change that is not a field (e.g. "team", "actual 2026-11-01")
                    label = name
            before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
            rows.append((label, shown(name, before, choices, field), shown(name, after, choices, field)))
        event.display_changes = rows
        event.display_action = AUDIT_ACTIONS.get(event.action, event.action)
    return events


def _amount(value, places: int):
    """An amount the trail stored as text ("4000.00"), as the person writes numbers
    ("4,000.00", "4.000,00"). Never a float on the way."""
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    return value if amount is None else amount_text(amount, places)


def _moment(value):
    """A date or time the trail stored as ISO text, as the person reads dates: in their time
    zone and their language's short format."""
    if not isinstance(value, str):
        return value
    moment = parse_datetime(value) if "T" in value else None
    if moment is not None:
        return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "SHORT_DATETIME_FORMAT")
    day = parse_date(value)
    return date_format(day, "SHORT_DATE_FORMAT") if day is not None else value


# Stored ids shown by name, and codes that are not a field of the changed object shown by
# their label: an app adds its own codes in its AppConfig.ready().
PERSON_FIELDS = frozenset({"owner", "assignee", "next_step_owner", "membership"})
TEAM_FIELDS = frozenset({"sales_team"})
AUDIT_CODES: dict[str, dict[str, str]] = {"roles": dict(Role.choices)}


def register_audit_codes(name: str, choices: type[Choices]) -> None:
    AUDIT_CODES[name] = dict(choices.choices)  # lazy labels: read in each reader's language


# Changes that are not a field of the changed object.
AUDIT_LABELS = {
    "as_of": _("as of"),
    "actual": _("actual"),
    "team": _("account team"),
    "roles": _("roles"),
    "leads": _("leads"),
    "members": _("members"),
    "api_tokens_revoked": _("API tokens revoked"),
}

AUDIT_ACTIONS = {
    "account.create": _("opened the account"),
    "account.update": _("changed the account"),
    "account.reassign": _("reassigned the account"),
    "account.rate_risk": _("set the risk rating"),
    "account.team_add": _("added someone to the account team"),
    "account.team_remove": _("removed someone from the account team"),
    "account.team_role": _("changed a role on the account team"),
    "client.create": _("added the client"),
    "client.update": _("changed the client"),
    "objective.create": _("set an objective"),
    "objective.update": _("changed an objective"),
    "objective.actual": _("recorded an actual"),
    "incident.open": _("opened the incident"),
    "incident.update": _("changed the incident"),
}


def register_audit_actions(actions: dict[str, str]) -> None:
    """An app's own actions, as the trail says them (lazy: read in each reader's language)."""
    AUDIT_ACTIONS.update(actions)


def export_of_requester(*, organization: Organization, membership: Membership, export_id: int) -> Export:
    """The export if `membership` asked for it: it holds what they may see, so no one else
    gets it (Export.DoesNotExist, a 404, whether it exists or not)."""
    return Export.objects.get(organization=organization, requested_by=membership, pk=export_id)
