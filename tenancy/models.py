"""Organisations, people, memberships, teams, API tokens and the audit trail."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenancy.scope import CROSS_TENANT, TenantScopeMissing, current_organization_id

TIME_ZONE_CHOICES = [
    (tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz and not tz.startswith(("Etc/", "SystemV/"))
]


class Organization(models.Model):
    """A tenant. Not tenant-owned itself: it is the thing tenants are."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3, default="EUR")
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Madrid")
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. One person may belong to several organisations through memberships."""

    email = models.EmailField(_("email"), max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=_("Someone has just been added with this email: try again."),
            )
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


# --- The tenant-owned base ------------------------------------------------------------


class TenantManager(models.Manager):
    """Fails closed: no organisation in scope, no query. In scope, only that organisation.

    Selectors say `filter(organization=…)` again, as the map asks of every read: the query
    then carries the condition twice, which costs PostgreSQL nothing and keeps this manager
    on Django's public API."""

    def get_queryset(self) -> models.QuerySet:
        org_id = current_organization_id()
        if org_id is None:
            raise TenantScopeMissing(
                f"{self.model.__name__} was queried outside a tenant scope. "
                "Enter tenancy.scope.tenant_scope(organization) first."
            )
        queryset = super().get_queryset()
        if org_id is CROSS_TENANT:
            return queryset
        return queryset.filter(organization_id=org_id)


class UnscopedManagerDangerously(models.Manager):
    """Every organisation's rows, as far as the application is concerned.

    On PostgreSQL the row-level security policy still applies. Use it only where a
    comment says why a scope cannot exist yet.
    """


class TenantOwned(models.Model):
    """Every tenant-owned model inherits this: the organisation, the fail-closed manager."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )

    objects = TenantManager()
    unscoped_dangerously = UnscopedManagerDangerously()

    class Meta:
        abstract = True


# --- Memberships, teams ------------------------------------------------------------------


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SALES_LEAD = "sales_lead", _("Sales lead")
    ACCOUNT_EXECUTIVE = "account_executive", _("Account executive")
    FINANCE = "finance", _("Finance")


def _has_a_role(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(is_admin=True)
        | models.Q(is_sales_lead=True)
        | models.Q(is_account_executive=True)
        | models.Q(is_finance=True),
        name=name,
        violation_error_message=_("A person needs at least one role."),
    )


class HasRoles(models.Model):
    """The four roles a person may hold in an organisation, any of them at once."""

    is_admin = models.BooleanField(_("admin"), default=False)
    is_sales_lead = models.BooleanField(_("sales lead"), default=False)
    is_account_executive = models.BooleanField(_("account executive"), default=False)
    is_finance = models.BooleanField(_("finance"), default=False)

    ROLE_FIELDS = {
        Role.ADMIN: "is_admin",
        Role.SALES_LEAD: "is_sales_lead",
        Role.ACCOUNT_EXECUTIVE: "is_account_executive",
        Role.FINANCE: "is_finance",
    }

    class Meta:
        abstract = True

    @property
    def roles(self) -> list[str]:
        return [role.value for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]

    @roles.setter
    def roles(self, roles: Collection[Role | str]) -> None:
        chosen = {Role(role) for role in roles}
        for role, field in self.ROLE_FIELDS.items():
            setattr(self, field, role in chosen)

    def has_role(self, role: Role | str) -> bool:
        return bool(getattr(self, self.ROLE_FIELDS[Role(role)]))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


class Membership(HasRoles, TenantOwned):
    """A person in an organisation, with one or more roles."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # When an admin last gave access back: a session signed in before then does not count here
    # (the person signs in afresh), so reactivating someone does not revive a forgotten session.
    reactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_org_user_unique"),
            _has_a_role("membership_has_a_role"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id}"

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def full_name(self) -> str:
        return self.user.full_name

    def signed_in_before_reactivation(self, signed_in_at: float | None) -> bool:
        """Whether a session that signed in at `signed_in_at` (a timestamp; None when unknown)
        predates the last time this membership was reactivated."""
        if self.reactivated_at is None:
            return False
        return signed_in_at is None or signed_in_at < self.reactivated_at.timestamp()


class Invitation(HasRoles, TenantOwned):
    """An admin asked for a person who already has an AccountDesk account (in another
    organisation) to join this one. Until they accept, the organisation knows only the email it
    typed: not their name, not even that the account exists (the admin's answer is the one a
    new person's gets). Accepting makes the membership (tenancy.services.invitation_accept)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    email = models.EmailField(_("email"), max_length=254)
    # The name the inviter typed, given back to them as typed; the person's own stays theirs.
    full_name = models.CharField(_("full name"), max_length=150)
    invited_by = models.ForeignKey("Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                name="invitation_org_user_unique",
                violation_error_message=_("This person has been invited already."),
            ),
            _has_a_role("invitation_has_a_role"),
        ]
        ordering = ["email"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


class Team(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Whatever the case: "Sales North" and "sales north" are one team to people.
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="team_org_name_ci_unique",
                violation_error_message=_("A team with this name already exists."),
            )
        ]
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantOwned):
    """A membership in a team, as lead or member. Carries the organisation like every child row."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_members")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="team_members")
    is_lead = models.BooleanField(_("lead"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "team", "membership"], name="teammember_org_team_membership_unique"
            )
        ]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.membership_id} in {self.team_id}"

    def clean(self) -> None:
        membership = self.membership
        if membership.organization_id != self.organization_id or not membership.is_active:
            raise ValidationError({"membership": _("Choose active members of this organisation.")})


# --- API tokens --------------------------------------------------------------------------


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(TenantOwned):
    """A program's credential. Belongs to one membership; only its SHA-256 is stored. A
    read-only token may only read (the tenant middleware refuses its writes), whatever its
    person's roles allow."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ_WRITE)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key_hash"], name="apitoken_org_hash_unique")]
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE


# --- Audit trail -------------------------------------------------------------------------


class AuditEvent(TenantOwned):
    """Who changed what, when, from what. Written by services, never by signals."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id", "-created_at"], name="audit_object_idx")
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


UNFINISHED_EXPORT = [ExportStatus.QUEUED, ExportStatus.RUNNING]


class ExportError(models.TextChoices):
    """Why an export failed, in words for the person (the worker's log has the details)."""

    BROKEN = "broken", _("The export failed. Try again; if it fails again, tell your administrator.")
    INTERRUPTED = "interrupted", _("The export was interrupted. Try again.")
    NOT_A_MEMBER = "not_a_member", _("The person who asked for it is no longer a member.")


class Export(TenantOwned):
    """A list export too long to build while the person waits: a Celery task writes the file
    (tenancy.tasks.export_prepare) with what the person may see, in their language and time
    zone; only they may download it. How far along it is lives in the cache, not here (the
    task writes the file in one transaction, so the list is one consistent snapshot)."""

    requested_by = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)  # a name registered in tenancy.exports
    file_format = models.CharField(max_length=4, choices=ExportFormat.choices)
    query = models.CharField(max_length=2000, blank=True)  # the list's filters and sort, as in its URL
    language = models.CharField(max_length=8)
    time_zone = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=255, blank=True)  # the name in default storage
    error = models.CharField(max_length=16, choices=ExportError.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="export_age_idx")]
        constraints = [
            # One export at a time per person: a long export is a worker's half hour.
            models.UniqueConstraint(
                fields=["organization", "requested_by"],
                condition=models.Q(status__in=UNFINISHED_EXPORT),
                name="one_unfinished_export_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.file_format} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED_EXPORT


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran its heartbeat task; read by /healthz. Not tenant data."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
