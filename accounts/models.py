"""Customer accounts, their teams, objectives, activities and incidents."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Client, Contact
from clients.reference import CURRENCY_CHOICES
from tenancy.models import Membership, Team, TenantOwned


class RiskRating(models.TextChoices):
    UNRATED = "unrated", _("Not rated")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    GROWTH = "growth", _("Growth")
    STANDARD = "standard", _("Standard")


class AccountStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", pgettext_lazy("account status", "Active")
    AT_RISK = "at_risk", _("At risk")
    DORMANT = "dormant", _("Dormant")
    CLOSED = "closed", pgettext_lazy("account status", "Closed")


class Account(TenantOwned):
    """A customer account of a client: one per division or service line, one currency."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("client"))
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="owned_accounts", verbose_name=_("owner")
    )
    sales_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts", verbose_name=_("sales team")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    risk_rating = models.CharField(
        _("risk rating"), max_length=10, choices=RiskRating.choices, default=RiskRating.UNRATED
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    status = models.CharField(
        _("status"), max_length=12, choices=AccountStatus.choices, default=AccountStatus.ONBOARDING
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    # Kept by the activity services: the portfolio sorts and filters on it without a join.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "client", "name"], name="account_org_client_name_unique"),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="account_credit_limit_not_negative"),
            models.CheckConstraint(
                condition=Q(payment_terms_days__lte=365), name="account_payment_terms_at_most_a_year"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "owner"], name="account_org_owner_idx"),
            models.Index(fields=["organization", "sales_team"], name="account_org_team_idx"),
            models.Index(fields=["organization", "name"], name="account_org_name_idx"),
        ]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name


class AccountRole(models.TextChoices):
    ACCOUNT_EXECUTIVE = "account_executive", _("Account executive")
    TECHNICAL_SPECIALIST = "technical_specialist", _("Technical specialist")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    FINANCE_CONTACT = "finance_contact", _("Finance contact")


class AccountTeamMember(TenantOwned):
    """A person with a role on one account. Being on the team makes the account visible."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team_members")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="account_roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=24, choices=AccountRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account", "membership"], name="accountteam_org_account_person_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "membership"], name="accountteam_org_person_idx")]
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")

    def __str__(self) -> str:
        return f"{self.membership_id} as {self.role} on {self.account_id}"


class Metric(models.TextChoices):
    REVENUE_INVOICED = "revenue_invoiced", _("Revenue invoiced")
    AMOUNT_COLLECTED = "amount_collected", _("Amount collected")
    GROSS_MARGIN = "gross_margin", _("Gross margin")
    WON_OFFERS = "won_offers", _("Number of won offers")
    ON_TIME_PAYMENT = "on_time_payment", _("On-time payment %")
    ON_TIME_DELIVERY = "on_time_delivery", _("On-time delivery %")
    CUSTOM = "custom", _("Custom metric")


MONEY_METRICS = {Metric.REVENUE_INVOICED, Metric.AMOUNT_COLLECTED, Metric.GROSS_MARGIN}
PERCENT_METRICS = {Metric.ON_TIME_PAYMENT, Metric.ON_TIME_DELIVERY}
# Metrics that accumulate over the period: their target is pro-rated by elapsed time. Rates
# (percentages) are compared with the whole target at any moment.
CUMULATIVE_METRICS = MONEY_METRICS | {Metric.WON_OFFERS}


OBJECTIVE_UNIQUE = "objective_one_per_metric_and_period"


class Objective(TenantOwned):
    """A target on an account for a period.

    Its actual comes from ObjectiveActual rows: entered by hand (source "manual") while the
    data does not exist in AccountDesk, computed from transactions (source "computed") once
    offers and billing do. The meaning of metric, target and actual does not change.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="objectives")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    custom_metric_name = models.CharField(_("custom metric"), max_length=100, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    tolerance_pct = models.DecimalField(_("tolerance %"), max_digits=5, decimal_places=2, default=Decimal("10.00"))
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="objective_period_ordered"
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="objective_target_not_negative"),
            models.CheckConstraint(
                condition=Q(tolerance_pct__gte=0, tolerance_pct__lte=100), name="objective_tolerance_in_range"
            ),
            models.CheckConstraint(
                condition=~Q(metric="custom") | ~Q(custom_metric_name=""), name="objective_custom_has_a_name"
            ),
            # One objective per metric and period of an account (a custom one per name, in any
            # case): a second would count the same work twice.
            models.UniqueConstraint(
                F("organization"),
                F("account"),
                F("metric"),
                Lower("custom_metric_name"),
                F("period_start"),
                F("period_end"),
                name=OBJECTIVE_UNIQUE,
            ),
        ]
        indexes = [models.Index(fields=["organization", "account", "period_end"], name="objective_org_account_idx")]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.custom_metric_name if self.metric == Metric.CUSTOM else str(self.get_metric_display())

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS

    @property
    def is_percent(self) -> bool:
        return self.metric in PERCENT_METRICS

    @property
    def is_cumulative(self) -> bool:
        return self.metric in CUMULATIVE_METRICS or self.metric == Metric.CUSTOM


class ActualSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    COMPUTED = "computed", _("Computed from transactions")


class ObjectiveActual(TenantOwned):
    """The value of an objective's metric as of a date (cumulative since the period start)."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actuals")
    as_of = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(max_length=10, choices=ActualSource.choices, default=ActualSource.MANUAL)
    entered_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "objective", "source", "as_of"], name="actual_org_objective_source_date_unique"
            )
        ]
        verbose_name = _("objective actual")
        verbose_name_plural = _("objective actuals")

    def __str__(self) -> str:
        return f"{self.value} as of {self.as_of}"


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Activity(TenantOwned):
    """Commercial work on an account, with an optional next step that someone owns."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("type"), max_length=10, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=0, validators=[MaxValueValidator(1440)]
    )
    summary = models.TextField(_("summary"), max_length=4000)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    contacts = models.ManyToManyField(Contact, through="ActivityContact", related_name="activities", blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    next_step_owner = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_steps",
        verbose_name=_("next step owner"),
    )
    next_step_done_at = models.DateTimeField(_("next step done"), null=True, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__lte=1440), name="activity_duration_at_most_a_day"),
            models.CheckConstraint(
                condition=Q(next_step="") | Q(next_step_due__isnull=False), name="activity_next_step_has_a_date"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "-occurred_at"], name="activity_org_account_idx"),
            models.Index(
                fields=["organization", "next_step_owner", "next_step_due"],
                condition=Q(next_step_done_at__isnull=True) & ~Q(next_step=""),
                name="activity_open_next_step_idx",
            ),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def has_open_next_step(self) -> bool:
        return bool(self.next_step) and self.next_step_done_at is None


class ActivityContact(TenantOwned):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="activity_contacts")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activity_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "activity", "contact"], name="activitycontact_org_unique")
        ]


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CLIENT = "waiting_on_client", _("Waiting on client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")


OPEN_INCIDENT_STATUSES = [IncidentStatus.OPEN, IncidentStatus.IN_PROGRESS, IncidentStatus.WAITING_ON_CLIENT]


class Incident(TenantOwned):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    assignee = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assignee"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # From the severity and the organisation's SLA setting when opened or re-graded.
    sla_due_at = models.DateTimeField(_("SLA due"))
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sla_due_at"]
        indexes = [
            models.Index(fields=["organization", "account", "status"], name="incident_org_account_idx"),
            models.Index(
                fields=["organization", "sla_due_at"],
                condition=Q(status__in=["open", "in_progress", "waiting_on_client"]),
                name="incident_open_sla_idx",
            ),
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INCIDENT_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.sla_due_at < timezone.now()

    @property
    def is_near_sla(self) -> bool:
        return self.is_open and not self.is_overdue and self.sla_due_at < timezone.now() + timedelta(hours=24)


class PortfolioSettings(TenantOwned):
    """The organisation's settings for accounts: incident SLAs and when an account goes quiet."""

    sla_hours_low = models.PositiveIntegerField(_("SLA for low severity (hours)"), default=120)
    sla_hours_normal = models.PositiveIntegerField(_("SLA for normal severity (hours)"), default=48)
    sla_hours_high = models.PositiveIntegerField(_("SLA for high severity (hours)"), default=8)
    sla_hours_critical = models.PositiveIntegerField(_("SLA for critical severity (hours)"), default=4)
    quiet_after_days = models.PositiveIntegerField(_("an account is quiet after (days without activity)"), default=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="portfoliosettings_one_per_org")]
        verbose_name = _("portfolio settings")
        verbose_name_plural = _("portfolio settings")

    def sla_hours(self, severity: str) -> int:
        return getattr(self, f"sla_hours_{severity}")
