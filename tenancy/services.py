"""Writes for tenancy: people, roles, teams, API tokens, preferences. Atomic and audited."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from tenancy.models import (
    UNFINISHED_EXPORT,
    ApiToken,
    AuditEvent,
    Export,
    ExportFormat,
    Invitation,
    Membership,
    Organization,
    Role,
    Team,
    TeamMember,
    TokenScope,
    User,
)
from tenancy.permissions import can_manage_people, can_manage_teams, can_manage_tokens
from tenancy.scope import tenant_scope
from tenancy.selectors import invitation_of_person, token_hash


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


def audit_created(
    *, organization: Organization, actor: User | None, obj: Any, fields: Iterable[str], action: str | None = None
) -> AuditEvent:
    """Record a new `obj`: each of `fields` from None to its value; `action` is `<model>.create` if omitted."""
    changes = {name: [None, value] for name, value in audit_snapshot(obj, fields).items()}
    action = action or f"{obj._meta.model_name}.create"
    return audit_record(organization=organization, actor=actor, action=action, obj=obj, changes=changes)


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


def _refusal_of_constraint(obj: Model, error: IntegrityError, field: str | None) -> ValidationError | None:
    """The ValidationError one of `obj`'s unique constraints says for `error`, or None."""
    for constraint in obj._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.name in str(error):
            message = constraint.get_violation_error_message()
            return ValidationError({field: message} if field else message, code="unique")
    return None


def series_next(model: type[Model], *, organization: Organization, **key: Any) -> int:
    """The next number of a gapless series (a row of `model` with a `last_number`, unique on the
    organisation and `key`: a kind of document, a year), inside the caller's transaction.

    One statement inserts the series at 1 or increments it, and leaves its row locked until the
    transaction ends: a concurrent caller of the same series waits here and then reads the
    committed number; a rolled-back transaction leaves the series as it was."""
    table = model._meta.db_table
    columns = ["organization_id", *(model._meta.get_field(name).column for name in key)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}, last_number) VALUES ({', '.join(['%s'] * len(columns))}, 1) "
            f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [organization.pk, *key.values()],
        )
        (number,) = cursor.fetchone()
    return number


def save_deciding_by_constraint(obj: Model, *, field: str | None = None) -> None:
    """Save `obj` and let its unique constraints decide: a duplicate, whether it was there
    before or is being written by another request at this moment, is refused with the
    constraint's `violation_error_message` (on `field` when given). The savepoint keeps the
    transaction usable after the refusal."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        refusal = _refusal_of_constraint(obj, error, field)
        if refusal is None:
            raise
        raise refusal from error


def _clean_roles(roles: Collection[str]) -> list[str]:
    """The roles asked for, known ones only, in the order given; at least one."""
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ApplicationError(
            _("Unknown role: %(role)s.") % {"role": unknown[0]},
            {"roles": _("Choose from admin, sales lead, account executive and finance.")},
        )
    if not roles:
        raise ApplicationError(_("A person needs at least one role."), {"roles": _("Choose at least one role.")})
    return roles


def _forbidden() -> ApplicationError:
    return ApplicationError(_("Only an admin of this organisation may do that."), code="permission_denied", status=403)


def _require(check, actor: Membership | None, obj=None) -> None:
    """`actor` None is the system (the demo seed, tests building an organisation): allowed."""
    if actor is not None and not check(actor, obj):
        raise _forbidden()


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str,
    base_currency: str = "EUR",
    time_zone: str = "Europe/Madrid",
    default_language: str = "en",
) -> Organization:
    organization = Organization(
        name=name, slug=slug, base_currency=base_currency, time_zone=time_zone, default_language=default_language
    )
    organization.full_clean()
    organization.save()
    organization_set_up(organization)
    return organization


def organization_set_up(organization: Organization) -> None:
    """What every app gives a new organisation (catalog: the VAT rates), each named by its
    AppConfig's `organization_setup` and called inside the organisation's tenant scope, so
    that tenancy imports none of them (the map's dependencies point one way)."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    for config in apps.get_app_configs():
        if path := getattr(config, "organization_setup", None):
            with tenant_scope(organization):
                import_string(path)(organization)


# --- People ------------------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *,
    organization: Organization,
    actor: Membership | None,
    email: str,
    full_name: str,
    roles: Collection[str],
    password: str | None = None,
) -> Membership | Invitation:
    """Add a person by email with roles.

    Someone new to AccountDesk becomes a member at once, with the name the admin typed, and
    gets a mail to choose a password. Someone who already has an account (in another
    organisation) is invited instead: they become a member when they accept
    (`invitation_accept`), and until then this organisation learns nothing of them, not their
    name, not even that the account exists: the admin's answer is the same for both, so the
    caller must answer from what the admin typed (`email`, `full_name`, `roles`), never from
    what this returns.

    `actor` None is the demo seed and tests building an organisation: people are added at
    once, existing ones too, and a new person may get a `password`.
    """
    _require(can_manage_people, actor)
    roles = _clean_roles(roles)
    email = User.objects.normalize_email((email or "").strip()).lower()
    full_name = (full_name or "").strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Membership.objects.filter(organization=organization, user=user).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this organisation.") % {"email": email},
            {"email": _("Already a member.")},
        )
    if actor is None and user is not None:
        return _membership_create(organization=organization, actor=None, user=user, roles=roles)
    if not full_name:
        raise ApplicationError(_("Enter the person's full name."), {"full_name": _("This field is required.")})
    # The same checks of what was typed whether or not the email has an account (a different
    # refusal would tell the admin which).
    person = User(email=email, full_name=full_name)
    person.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    if user is not None:
        return _invitation_create(
            organization=organization, actor=actor, user=user, email=email, full_name=full_name, roles=roles
        )
    person.set_password(password) if password else person.set_unusable_password()
    save_deciding_by_constraint(person, field="email")
    membership = _membership_create(organization=organization, actor=actor, user=person, roles=roles)
    if password is None:
        from tenancy.tasks import send_welcome_email

        transaction.on_commit(
            lambda: send_welcome_email.delay(membership_id=membership.pk, organization_id=organization.pk)
        )
    return membership


def _membership_create(
    *, organization: Organization, actor: Membership | User | None, user: User, roles: list[str]
) -> Membership:
    membership = Membership(organization=organization, user=user)
    membership.roles = roles
    membership.full_clean(exclude=["organization", "user"], validate_unique=False)
    save_deciding_by_constraint(membership)
    audit_record(
        organization=organization,
        actor=actor.user if isinstance(actor, Membership) else actor,
        action="membership.add",
        obj=membership,
        changes={"email": [None, user.email], "roles": [None, roles], "is_active": [None, True]},
    )
    return membership


def _invitation_create(
    *, organization: Organization, actor: Membership, user: User, email: str, full_name: str, roles: list[str]
) -> Invitation:
    from tenancy.tasks import send_invitation_email

    invitation = Invitation(organization=organization, user=user, email=email, full_name=full_name, invited_by=actor)
    invitation.roles = roles
    invitation.full_clean(exclude=["organization", "user", "invited_by"], validate_unique=False)
    save_deciding_by_constraint(invitation, field="email")
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invitation.create",
        obj=invitation,
        changes={"email": [None, email], "roles": [None, roles]},
    )
    transaction.on_commit(
        lambda: send_invitation_email.delay(invitation_id=invitation.pk, organization_id=organization.pk)
    )
    return invitation


@transaction.atomic
def membership_change_roles(
    *, organization: Organization, actor: Membership, membership: Membership, roles: Collection[str]
) -> Membership:
    _require(can_manage_people, actor, membership)
    roles = _clean_roles(roles)
    membership = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    before = membership.roles
    if membership.pk == actor.pk and Role.ADMIN.value not in roles:
        raise ApplicationError(_("You cannot remove your own admin role."), {"roles": _("Ask another admin to do it.")})
    membership.roles = roles
    if membership.roles == before:
        return membership
    membership.full_clean(exclude=["organization", "user"], validate_unique=False)
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
    request: every request re-reads the membership, and their tokens are revoked here. A
    reactivated one signs in afresh: the sessions they had do not count here any more."""
    _require(can_manage_people, actor, membership)
    membership = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    if membership.pk == actor.pk and not is_active:
        raise ApplicationError(_("You cannot deactivate yourself."), {"is_active": _("Ask another admin to do it.")})
    if membership.is_active == is_active:
        return membership
    now = timezone.now()
    membership.is_active = is_active
    if is_active:
        membership.reactivated_at = now
    else:
        membership.deactivated_at = now
    membership.save(update_fields=["is_active", "deactivated_at", "reactivated_at"])
    changes: dict[str, list] = {"is_active": [not is_active, is_active]}
    if not is_active:
        revoked = ApiToken.objects.filter(
            organization=organization, membership=membership, revoked_at__isnull=True
        ).update(revoked_at=now)
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
    roles: Collection[str] | None = None,
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


# --- Invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invitation_cancel(*, organization: Organization, actor: Membership, invitation: Invitation) -> None:
    _require(can_manage_people, actor)
    invitation = Invitation.objects.select_for_update().get(organization=organization, pk=invitation.pk)
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invitation.cancel",
        obj=invitation,
        changes={"email": [invitation.email, None]},
    )
    invitation.delete()


def invitation_accept(*, user: User, invitation_id: int) -> Membership:
    """The invited person joins: the membership the invitation describes, audited as theirs.
    Someone else's invitation, or one that is gone, is Invitation.DoesNotExist (a 404)."""
    invitation = invitation_of_person(user=user, invitation_id=invitation_id)
    organization = invitation.organization
    with tenant_scope(organization):
        invitation = Invitation.objects.select_for_update().get(organization=organization, pk=invitation.pk, user=user)
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is None:
            membership = _membership_create(organization=organization, actor=user, user=user, roles=invitation.roles)
        invitation.delete()
    return membership


def invitation_decline(*, user: User, invitation_id: int) -> None:
    invitation = invitation_of_person(user=user, invitation_id=invitation_id)
    organization = invitation.organization
    with tenant_scope(organization):
        invitation = Invitation.objects.select_for_update().get(organization=organization, pk=invitation.pk, user=user)
        audit_record(
            organization=organization,
            actor=user,
            action="invitation.decline",
            obj=invitation,
            changes={"email": [invitation.email, None]},
        )
        invitation.delete()


# --- Teams ---------------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    actor: Membership | None,
    name: str,
    leads: Collection[Membership] = (),
    members: Collection[Membership] = (),
) -> Team:
    _require(can_manage_teams, actor)
    team = Team(organization=organization, name=(name or "").strip())
    # The name's uniqueness, whatever its case, is the constraint's to decide.
    team.full_clean(exclude=["organization"], validate_constraints=False)
    save_deciding_by_constraint(team, field="name")
    audit_record(
        organization=organization,
        actor=actor.user if actor else None,
        action="team.create",
        obj=team,
        changes={"name": [None, team.name]},
    )
    team_set_people(organization=organization, actor=actor, team=team, leads=leads, members=members)
    return team


@transaction.atomic
def team_rename(*, organization: Organization, actor: Membership, team: Team, name: str) -> Team:
    _require(can_manage_teams, actor, team)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    before, team.name = team.name, (name or "").strip()
    if team.name == before:
        return team
    team.full_clean(exclude=["organization"], validate_constraints=False)
    save_deciding_by_constraint(team, field="name")
    audit_record(
        organization=organization,
        actor=actor.user,
        action="team.rename",
        obj=team,
        changes={"name": [before, team.name]},
    )
    return team


@transaction.atomic
def team_set_people(
    *,
    organization: Organization,
    actor: Membership | None,
    team: Team,
    leads: Collection[Membership],
    members: Collection[Membership],
) -> Team:
    """Replace a team's leads and members. A lead is a member too."""
    _require(can_manage_teams, actor, team)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    wanted = {m.pk: (m, False) for m in members} | {m.pk: (m, True) for m in leads}
    current = {tm.membership_id: tm for tm in TeamMember.objects.filter(organization=organization, team=team)}
    before = sorted((mid, tm.is_lead) for mid, tm in current.items())
    for membership, is_lead in wanted.values():
        row = TeamMember(organization=organization, team=team, membership=membership, is_lead=is_lead)
        row.full_clean(exclude=["organization", "team", "membership"], validate_unique=False)
    TeamMember.objects.filter(organization=organization, team=team).exclude(membership_id__in=wanted).delete()
    for membership_id, (membership, is_lead) in wanted.items():
        existing = current.get(membership_id)
        if existing is None:
            TeamMember.objects.create(organization=organization, team=team, membership=membership, is_lead=is_lead)
        elif existing.is_lead != is_lead:
            existing.is_lead = is_lead
            existing.save(update_fields=["is_lead"])
    after = sorted((mid, is_lead) for mid, (_m, is_lead) in wanted.items())
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
    leads: Collection[Membership] | None = None,
    members: Collection[Membership] | None = None,
) -> Team:
    """Rename a team and/or replace its people, all or nothing. Lists left out stay as they are."""
    _require(can_manage_teams, actor, team)
    if name is not None:
        team = team_rename(organization=organization, actor=actor, team=team, name=name)
    if leads is not None or members is not None:
        current = list(TeamMember.objects.filter(organization=organization, team=team).select_related("membership"))
        team = team_set_people(
            organization=organization,
            actor=actor,
            team=team,
            leads=leads if leads is not None else [tm.membership for tm in current if tm.is_lead],
            members=members if members is not None else [tm.membership for tm in current if not tm.is_lead],
        )
    return team


@transaction.atomic
def team_delete(*, organization: Organization, actor: Membership, team: Team) -> None:
    _require(can_manage_teams, actor, team)
    team = Team.objects.select_for_update().get(organization=organization, pk=team.pk)
    audit_record(
        organization=organization, actor=actor.user, action="team.delete", obj=team, changes={"name": [team.name, None]}
    )
    team.delete()


# --- API tokens (one's own) -------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *,
    organization: Organization,
    membership: Membership,
    name: str,
    scope: TokenScope = TokenScope.READ_WRITE,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the caller's own membership. Returns the token and its secret,
    which is shown once and never stored (only its SHA-256 is). `scope` says whether it may
    write; one made without saying so may, as every token could before scopes."""
    if not can_manage_tokens(membership):
        raise _forbidden()
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ApplicationError(
            _("A token lasts between 1 and %(max)s days.") % {"max": settings.API_TOKEN_MAX_DAYS},
            {"days": _("Between 1 and %(max)s.") % {"max": settings.API_TOKEN_MAX_DAYS}},
        )
    raw = "adk_" + secrets.token_urlsafe(32)
    token = ApiToken(
        organization=organization,
        membership=membership,
        name=(name or "").strip(),
        scope=scope,
        prefix=raw[:10],
        key_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean(exclude=["organization", "membership"], validate_unique=False, validate_constraints=False)
    token.save()
    audit_record(
        organization=organization,
        actor=membership.user,
        action="api_token.create",
        obj=token,
        changes={
            "name": [None, token.name],
            "scope": [None, token.scope],
            "expires_at": [None, token.expires_at.isoformat()],
        },
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, organization: Organization, membership: Membership, token: ApiToken) -> ApiToken:
    # Only one's own: someone else's token is not found (DoesNotExist), whether it exists or not.
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


# --- One's own preferences -------------------------------------------------------------------------


@transaction.atomic
def user_set_preferences(*, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    """A person's own language and time zone ("" for the time zone: the organisation's)."""
    fields = [name for name, value in (("language", language), ("time_zone", time_zone)) if value is not None]
    for name in fields:
        setattr(user, name, language if name == "language" else time_zone)
    if fields:
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
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
        raise ApplicationError(busy, code="export_unfinished", status=409) from None
    transaction.on_commit(lambda: export_prepare.delay(organization_id=organization.pk, export_id=export.pk))
    return export
