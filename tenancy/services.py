"""Writes for tenancy: people, roles, teams, API tokens, preferences. Atomic and audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from tenancy.models import (
    UNFINISHED_EXPORT,
    ApiToken,
    AuditEvent,
    Export,
    ExportFormat,
    Membership,
    Organization,
    Role,
    Team,
    TeamMember,
    User,
)
from tenancy.selectors import token_hash

ROLE_VALUES = {role.value for role in Role}


def audit_record(
    *, organization: Organization, actor: User | None, action: str, obj: Any, changes: dict[str, list]
) -> AuditEvent:
    """Record who changed what, from what. `changes` maps a field to [from, to]."""
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        changes=changes,
    )


def audit_value(value: Any) -> Any:
    """A value as the audit trail stores it: JSON, ids for related rows, strings for money."""
    from datetime import date, datetime
    from decimal import Decimal

    from django.db.models import Model

    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def audit_snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of `obj` now; FKs by id (attname), so no extra queries."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = audit_value(getattr(obj, field.attname))
    return values


def audit_changes(
    *, organization: Organization, actor: User | None, action: str, obj: Any, before: dict[str, Any]
) -> AuditEvent | None:
    """Record the fields that changed since `before` (from audit_snapshot), as [from, to]."""
    after = audit_snapshot(obj, before.keys())
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if not changes:
        return None
    return audit_record(organization=organization, actor=actor, action=action, obj=obj, changes=changes)


def check_lengths(model: type, **values: Any) -> None:
    """Refuse text longer than its field allows, naming each field, before anything is written."""
    errors = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = _("At most %(limit)s characters (this has %(length)s).") % {
                "limit": limit,
                "length": len(value),
            }
    if errors:
        raise ApplicationError(_("Some text is longer than allowed."), errors)


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLE_VALUES]
    if unknown:
        raise ApplicationError(
            _("Unknown role: %(role)s.") % {"role": unknown[0]},
            {"roles": _("Choose from admin, sales lead, account executive and finance.")},
        )
    if not roles:
        raise ApplicationError(_("A person needs at least one role."), {"roles": _("Choose at least one role.")})
    return roles


def _role_flags(roles: list[str]) -> dict[str, bool]:
    return {field: role.value in roles for role, field in Membership.ROLE_FIELDS.items()}


def _require_admin(actor_membership: Membership) -> None:
    if not (actor_membership.is_active and actor_membership.is_admin):
        raise ApplicationError(
            _("Only an admin of this organisation may do that."), code="permission_denied", status=403
        )


@transaction.atomic
def organization_create(
    *, name: str, slug: str, base_currency: str = "EUR", time_zone: str = "Europe/Madrid", default_language: str = "en"
) -> Organization:
    return Organization.objects.create(
        name=name, slug=slug, base_currency=base_currency, time_zone=time_zone, default_language=default_language
    )


@transaction.atomic
def membership_add(
    *,
    organization: Organization,
    actor: Membership | None,
    email: str,
    full_name: str,
    roles: Iterable[str],
    password: str | None = None,
) -> Membership:
    """Add a person by email with roles. A new person gets a link to set a password.

    `actor` None is only for the seed command and tests that build an organisation.
    """
    if actor is not None:
        _require_admin(actor)
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(_("Enter a valid email address."), {"email": _("Enter a valid email address.")})
    if len(email) > 254:
        raise ApplicationError(_("The email address is too long."), {"email": _("At most 254 characters.")})
    if len(full_name) > 150:
        raise ApplicationError(_("The name is too long."), {"full_name": _("At most 150 characters.")})
    roles = _clean_roles(roles)

    user = User.objects.filter(email__iexact=email).first()
    created_user = user is None
    if created_user:
        if not full_name:
            raise ApplicationError(_("Enter the person's full name."), {"full_name": _("This field is required.")})
        user = User.objects.create_user(email, password=password, full_name=full_name)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this organisation.") % {"email": email},
            {"email": _("Already a member.")},
        )
    membership = Membership.objects.create(organization=organization, user=user, **_role_flags(roles))
    audit_record(
        organization=organization,
        actor=actor.user if actor else None,
        action="membership.add",
        obj=membership,
        changes={"email": [None, email], "roles": [None, roles], "is_active": [None, True]},
    )
    if created_user and password is None:
        from tenancy.tasks import send_welcome_email

        transaction.on_commit(
            lambda: send_welcome_email.delay(membership_id=membership.pk, organization_id=organization.pk)
        )
    return membership


@transaction.atomic
def membership_change_roles(
    *, organization: Organization, actor: Membership, membership: Membership, roles: Iterable[str]
) -> Membership:
    _require_admin(actor)
    roles = _clean_roles(roles)
    membership = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    before = membership.roles
    if membership.pk == actor.pk and Role.ADMIN.value not in roles:
        raise ApplicationError(_("You cannot remove your own admin role."), {"roles": _("Ask another admin to do it.")})
    if before == [r.value for r in Role if r.value in roles]:
        return membership
    for field, value in _role_flags(roles).items():
        setattr(membership, field, value)
    membership.save(update_fields=list(Membership.ROLE_FIELDS.values()))
    audit_record(
        organization=organization,
        actor=actor.user,
        action="membership.change_roles",
        obj=membership,
        changes={"roles": [before, membership.roles]},
    )
    return membership


@transaction.atomic
def membership_set_active(
    *, organization: Organization, actor: Membership, membership: Membership, is_active: bool
) -> Membership:
    """Deactivate (or reactivate) a member. A deactivated member loses access on their next
    request: every request re-reads the membership, and their tokens are revoked here."""
    _require_admin(actor)
    membership = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    if membership.pk == actor.pk and not is_active:
        raise ApplicationError(_("You cannot deactivate yourself."), {"is_active": _("Ask another admin to do it.")})
    if membership.is_active == is_active:
        return membership
    membership.is_active = is_active
    membership.deactivated_at = None if is_active else timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    changes: dict[str, list] = {"is_active": [not is_active, is_active]}
    if not is_active:
        revoked = ApiToken.objects.filter(
            organization=organization, membership=membership, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked:
            changes["api_tokens_revoked"] = [0, revoked]
    audit_record(
        organization=organization, actor=actor.user, action="membership.set_active", obj=membership, changes=changes
    )
    return membership


@transaction.atomic
def membership_update(
    *,
    organization: Organization,
    actor: Membership,
    membership: Membership,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> Membership:
    """Change roles and/or active state, all or nothing."""
    if roles is not None:
        membership = membership_change_roles(organization=organization, actor=actor, membership=membership, roles=roles)
    if is_active is not None:
        membership = membership_set_active(
            organization=organization, actor=actor, membership=membership, is_active=is_active
        )
    return membership


def _clean_team_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the team a name."), {"name": _("This field is required.")})
    if len(name) > 100:
        raise ApplicationError(_("The team name is too long."), {"name": _("At most 100 characters.")})
    return name


def _members_of(organization: Organization, membership_ids: Iterable[int], field: str) -> list[Membership]:
    ids = {int(i) for i in membership_ids}
    found = list(Membership.objects.filter(organization=organization, pk__in=ids, is_active=True))
    if len(found) != len(ids):
        raise ApplicationError(
            _("Some of the chosen people are not active members of this organisation."),
            {field: _("Choose active members of this organisation.")},
        )
    return found


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    actor: Membership | None,
    name: str,
    lead_ids: Iterable[int] = (),
    member_ids: Iterable[int] = (),
) -> Team:
    if actor is not None:
        _require_admin(actor)
    name = _clean_team_name(name)
    if Team.objects.filter(organization=organization, name__iexact=name).exists():
        raise ApplicationError(_("A team with this name already exists."), {"name": _("Choose another name.")})
    team = Team.objects.create(organization=organization, name=name)
    audit_record(
        organization=organization,
        actor=actor.user if actor else None,
        action="team.create",
        obj=team,
        changes={"name": [None, name]},
    )
    team_set_people(organization=organization, actor=actor, team=team, lead_ids=lead_ids, member_ids=member_ids)
    return team


@transaction.atomic
def team_rename(*, organization: Organization, actor: Membership, team: Team, name: str) -> Team:
    _require_admin(actor)
    name = _clean_team_name(name)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    if team.name == name:
        return team
    if Team.objects.filter(organization=organization, name__iexact=name).exclude(pk=team.pk).exists():
        raise ApplicationError(_("A team with this name already exists."), {"name": _("Choose another name.")})
    before = team.name
    team.name = name
    team.save(update_fields=["name"])
    audit_record(
        organization=organization, actor=actor.user, action="team.rename", obj=team, changes={"name": [before, name]}
    )
    return team


@transaction.atomic
def team_set_people(
    *,
    organization: Organization,
    actor: Membership | None,
    team: Team,
    lead_ids: Iterable[int],
    member_ids: Iterable[int],
) -> Team:
    """Replace a team's leads and members. A lead is a member too."""
    if actor is not None:
        _require_admin(actor)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    leads = _members_of(organization, lead_ids, "lead_ids")
    members = _members_of(organization, member_ids, "member_ids")
    wanted = {m.pk: False for m in members} | {m.pk: True for m in leads}
    current = {tm.membership_id: tm for tm in TeamMember.objects.filter(organization=organization, team=team)}
    before = sorted((mid, tm.is_lead) for mid, tm in current.items())
    TeamMember.objects.filter(organization=organization, team=team).exclude(membership_id__in=wanted).delete()
    for membership_id, is_lead in wanted.items():
        existing = current.get(membership_id)
        if existing is None:
            TeamMember.objects.create(
                organization=organization, team=team, membership_id=membership_id, is_lead=is_lead
            )
        elif existing.is_lead != is_lead:
            existing.is_lead = is_lead
            existing.save(update_fields=["is_lead"])
    after = sorted(wanted.items())
    if before != after:
        audit_record(
            organization=organization,
            actor=actor.user if actor else None,
            action="team.set_people",
            obj=team,
            changes={
                "leads": [[m for m, lead in before if lead], [m for m, lead in after if lead]],
                "members": [[m for m, _l in before], [m for m, _l in after]],
            },
        )
    return team


@transaction.atomic
def team_update(
    *,
    organization: Organization,
    actor: Membership,
    team: Team,
    name: str | None = None,
    lead_ids: Iterable[int] | None = None,
    member_ids: Iterable[int] | None = None,
) -> Team:
    """Rename a team and/or replace its people, all or nothing. Lists left out stay as they are."""
    _require_admin(actor)
    if name is not None:
        team = team_rename(organization=organization, actor=actor, team=team, name=name)
    if lead_ids is not None or member_ids is not None:
        current = list(
            TeamMember.objects.filter(organization=organization, team=team).values_list("membership_id", "is_lead")
        )
        team = team_set_people(
            organization=organization,
            actor=actor,
            team=team,
            lead_ids=lead_ids if lead_ids is not None else [m for m, lead in current if lead],
            member_ids=member_ids if member_ids is not None else [m for m, lead in current if not lead],
        )
    return team


@transaction.atomic
def team_delete(*, organization: Organization, actor: Membership, team: Team) -> None:
    _require_admin(actor)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    audit_record(
        organization=organization, actor=actor.user, action="team.delete", obj=team, changes={"name": [team.name, None]}
    )
    team.delete()


@transaction.atomic
def api_token_create(
    *, organization: Organization, membership: Membership, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for the caller's own membership. Returns the token and its secret,
    which is shown once and never stored (only its SHA-256 is)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the token a name."), {"name": _("This field is required.")})
    if len(name) > 80:
        raise ApplicationError(_("The token name is too long."), {"name": _("At most 80 characters.")})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ApplicationError(
            _("A token lasts between 1 and %(max)s days.") % {"max": settings.API_TOKEN_MAX_DAYS},
            {"days": _("Between 1 and %(max)s.") % {"max": settings.API_TOKEN_MAX_DAYS}},
        )
    raw = "adk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        membership=membership,
        name=name,
        prefix=raw[:10],
        key_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        organization=organization,
        actor=membership.user,
        action="api_token.create",
        obj=token,
        changes={"name": [None, name], "expires_at": [None, token.expires_at.isoformat()]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, organization: Organization, membership: Membership, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(organization=organization, membership=membership, pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        organization=organization,
        actor=membership.user,
        action="api_token.revoke",
        obj=token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


@transaction.atomic
def user_set_preferences(*, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ApplicationError(_("Unknown language."), {"language": _("Choose English, Spanish or Catalan.")})
        user.language = language
        fields.append("language")
    if time_zone is not None:
        from tenancy.models import TIME_ZONE_CHOICES

        if time_zone and time_zone not in dict(TIME_ZONE_CHOICES):
            raise ApplicationError(_("Unknown time zone."), {"time_zone": _("Choose a time zone from the list.")})
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        user.save(update_fields=fields)
    return user


# --- Exports prepared in the background ----------------------------------------------------


def export_progress_key(organization: Organization, export_id: int) -> str:
    """Where the task counts the rows it has written (the cache: its transaction is open)."""
    return f"export-progress:{organization.pk}:{export_id}"


@transaction.atomic
def export_request(
    *,
    organization: Organization,
    actor: Membership,
    kind: str,
    file_format: str,
    query: str,
    language: str,
    time_zone: str,
) -> Export:
    """Queue the export of a list as `actor` sees it with `query` (its URL's filters and sort);
    the task starts once this transaction commits."""
    from tenancy.exports import EXPORT_KINDS
    from tenancy.tasks import export_prepare

    if kind not in EXPORT_KINDS:
        raise ApplicationError(_("There is no such list to export."), {"kind": _("Choose a value from the list.")})
    if file_format not in ExportFormat.values:
        raise ApplicationError(_("Export as CSV or XLSX."), {"file_format": _("Choose a value from the list.")})
    if len(query) > Export._meta.get_field("query").max_length:
        raise ApplicationError(
            _("The list's filters are too long to export."),
            {"query": _("Ensure this value has at most 2000 characters.")},
        )
    busy = _("An export of yours is still being prepared: wait for it to finish.")
    unfinished = (
        Export.objects.filter(organization=organization, requested_by=actor, status__in=UNFINISHED_EXPORT)
        .values_list("pk", flat=True)
        .first()
    )
    if unfinished is not None:
        raise ApplicationError(busy, {"export_id": unfinished}, code="export_unfinished", status=409)
    try:
        with transaction.atomic():
            export = Export.objects.create(
                organization=organization,
                requested_by=actor,
                kind=kind,
                file_format=file_format,
                query=query,
                language=language,
                time_zone=time_zone,
            )
    except IntegrityError:  # the same person asked twice at once: the other request won
        raise ApplicationError(busy, code="export_unfinished", status=409)
    transaction.on_commit(lambda: export_prepare.delay(organization_id=organization.pk, export_id=export.pk))
    return export
