"""Customer accounts, their teams, objectives, activities and incidents.

Every rule one row can state is here: field validators with the sentence a person reads,
constraints with theirs (accounts.fields), `clean()` for what compares two fields or the row
with its parent. Services call `full_clean()` and keep only what no row can say.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.fields import (
    CurrencyField,
    ExactDecimalField,
    FieldCheckConstraint,
    FieldUniqueConstraint,
    MoneyField,
    TrimmedCharField,
    TrimmedTextField,
    WholeNumberField,
    WholeSmallNumberField,
)
from clients.models import Client, Contact
from clients.reference import CURRENCY_CHOICES
from config.validators import EARLIEST_DATETIME, LATEST_DATETIME, sane_date, sane_datetime
from tenancy.models import Membership, Team, TenantOwned
from tenancy.text import search_normalize

CHOOSE_FROM_THE_LIST = _("Choose a value from the list.")
ACTIVE_MEMBER = _("Choose an active member of this organisation.")
A_DATE = _("Enter a valid date.")
A_MOMENT = _("Enter a date and time.")
IN_RANGE = _("Enter a date from 1900 to 2100.")
ON_THE_LIST = {"invalid_choice": CHOOSE_FROM_THE_LIST}


def _all(message) -> dict:
    """The same sentence for every way a number can be wrong."""
    return dict.fromkeys(("invalid", "null", "min_value", "max_value"), message)


def _sane_moment(field: str) -> Q:
    return Q(**{f"{field}__gte": EARLIEST_DATETIME, f"{field}__lte": LATEST_DATETIME})


class OfOneOrganization(models.Model):
    """Every tenant row this one points to belongs to its organisation. The database's foreign
    keys know nothing of organisations, and row-level security does not bind them, so the
    model says it: the field's own "not a valid choice" sentence, as for a row that does not
    exist. Fields left out of a validation (an unchanged owner) are not asked again."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (
                not field.is_relation
                or field.name == "organization"
                or field.name in (exclude or ())
                or field.name in errors
                or not issubclass(field.related_model, TenantOwned)
                or getattr(self, field.attname) is None
            ):
                continue
            try:
                related = getattr(self, field.name)
            except field.related_model.DoesNotExist:
                continue  # the field's own validation said so
            if related.organization_id != self.organization_id:
                errors[field.name] = [ValidationError(field.error_messages["invalid"], code="invalid")]
        if errors:
            raise ValidationError(errors)


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


ACCOUNT_NAME_UNIQUE = "account_org_client_lower_name_unique"
# Who may own an account: the field's choices, the forms' and the API's.
OWNERS = {"is_active": True, "is_account_executive": True}
PAYMENT_TERMS = _("Payment terms are between 0 and 365 days.")
CREDIT_LIMIT_NOT_NEGATIVE = _("The credit limit cannot be negative.")


class Account(OfOneOrganization, TenantOwned):
    """A customer account of a client: one per division or service line, one currency."""

    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("client"),
        error_messages={"invalid": _("Choose a client of this organisation."), "null": _("This field is required.")},
    )
    name = TrimmedCharField(_("name"), max_length=200, error_messages={"blank": _("This field is required.")})
    owner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
        verbose_name=_("owner"),
        limit_choices_to=OWNERS,
        error_messages={"invalid": _("The owner must be an active account executive of this organisation.")},
    )
    sales_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("sales team"),
        error_messages={"invalid": _("Choose a team of this organisation.")},
    )
    currency = CurrencyField(
        _("currency"),
        choices=CURRENCY_CHOICES,
        default="EUR",
        error_messages=dict.fromkeys(
            ("invalid_choice", "blank"), _("Unknown currency: use an ISO 4217 code such as EUR or USD.")
        ),
    )
    payment_terms_days = WholeSmallNumberField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)], error_messages=_all(PAYMENT_TERMS)
    )
    credit_limit = MoneyField(
        _("credit limit"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        error_messages={"min_value": CREDIT_LIMIT_NOT_NEGATIVE},
    )
    risk_rating = models.CharField(
        _("risk rating"),
        max_length=10,
        choices=RiskRating.choices,
        default=RiskRating.UNRATED,
        error_messages=ON_THE_LIST,
    )
    tier = models.CharField(
        _("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD, error_messages=ON_THE_LIST
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AccountStatus.choices,
        default=AccountStatus.ONBOARDING,
        error_messages=ON_THE_LIST,
    )
    start_date = models.DateField(
        _("start date"),
        default=timezone.localdate,
        validators=sane_date,
        error_messages={"invalid": A_DATE, "invalid_date": A_DATE},
    )
    # Kept by the activity services: the portfolio sorts and filters on it without a join.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Two accounts of a client are told apart by name, whatever its case.
            FieldUniqueConstraint(
                F("organization"),
                F("client"),
                Lower("name"),
                name=ACCOUNT_NAME_UNIQUE,
                field="name",
                violation_error_message=_("This client already has an account with that name."),
                field_message=_("Choose another name."),
            ),
            FieldCheckConstraint(
                condition=Q(credit_limit__gte=0),
                name="account_credit_limit_not_negative",
                field="credit_limit",
                violation_error_message=CREDIT_LIMIT_NOT_NEGATIVE,
            ),
            FieldCheckConstraint(
                condition=Q(payment_terms_days__lte=365),
                name="account_payment_terms_at_most_a_year",
                field="payment_terms_days",
                violation_error_message=PAYMENT_TERMS,
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

    def clean(self) -> None:
        self.search_text = search_normalize(self.name)


class AccountRole(models.TextChoices):
    ACCOUNT_EXECUTIVE = "account_executive", _("Account executive")
    TECHNICAL_SPECIALIST = "technical_specialist", _("Technical specialist")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    FINANCE_CONTACT = "finance_contact", _("Finance contact")


ACCOUNT_TEAM_UNIQUE = "accountteam_org_account_person_unique"


class AccountTeamMember(OfOneOrganization, TenantOwned):
    """A person with a role on one account. Being on the team makes the account visible."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team_members")
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="account_roles",
        verbose_name=_("person"),
        limit_choices_to={"is_active": True},
        error_messages={"invalid": ACTIVE_MEMBER},
    )
    role = models.CharField(_("role"), max_length=24, choices=AccountRole.choices, error_messages=ON_THE_LIST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            FieldUniqueConstraint(
                fields=["organization", "account", "membership"],
                name=ACCOUNT_TEAM_UNIQUE,
                field="membership",
                violation_error_message=_("This person is already on this account's team."),
                field_message=_("Already on the team."),
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


# Formatted with its validator's values, like every field and constraint message: hence %%.
TOLERANCE = _("The tolerance is between 0 and 100%%.")
MONEY_METRICS = {Metric.REVENUE_INVOICED, Metric.AMOUNT_COLLECTED, Metric.GROSS_MARGIN}
PERCENT_METRICS = {Metric.ON_TIME_PAYMENT, Metric.ON_TIME_DELIVERY}
PERCENT_METRIC_CODES = sorted(metric.value for metric in PERCENT_METRICS)
# Metrics that accumulate over the period: their target is pro-rated by elapsed time. Rates
# (percentages) are compared with the whole target at any moment.
CUMULATIVE_METRICS = MONEY_METRICS | {Metric.WON_OFFERS}


OBJECTIVE_NO_OVERLAP = "objective_periods_do_not_overlap"


class DateRange(Func):
    """PostgreSQL's daterange(start, end, '[]'): both days included."""

    function = "DATERANGE"
    output_field = DateRangeField()


class ObjectivePeriodsDoNotOverlap(ExclusionConstraint):
    """One objective per metric (a custom one per name, in any case) of an account at any day:
    two whose periods share a day would count the same work twice.

    PostgreSQL enforces it (an exclusion constraint over the periods as date ranges, which
    btree_gist lets it combine with equality); `validate()` asks the same question with
    portable lookups, so `full_clean()` refuses it on SQLite too (`make run`), where no such
    constraint exists. The refusal names the objective it collides with, in the reader's
    date format."""

    def __init__(self, *, name, **kwargs):
        kwargs.setdefault(
            "expressions",
            [
                (F("organization"), RangeOperators.EQUAL),
                (F("account"), RangeOperators.EQUAL),
                (F("metric"), RangeOperators.EQUAL),
                (Lower("custom_metric_name"), RangeOperators.EQUAL),
                (DateRange("period_start", "period_end", Value("[]")), RangeOperators.OVERLAPS),
            ],
        )
        kwargs.setdefault("violation_error_message", _("This account already has an objective for that period."))
        super().__init__(name=name, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.pop("expressions", None)
        kwargs.pop("violation_error_message", None)
        return path, args, kwargs

    def _sql_here(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._sql_here(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._sql_here(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._sql_here(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        fields = {"account", "metric", "custom_metric_name", "period_start", "period_end"}
        if exclude and fields & set(exclude):
            return
        other = (
            model._default_manager.using(using)
            .filter(
                organization_id=instance.organization_id,
                account_id=instance.account_id,
                metric=instance.metric,
                period_start__lte=instance.period_end,
                period_end__gte=instance.period_start,
            )
            .alias(name=Lower("custom_metric_name"))
            .filter(name=Lower(Value(instance.custom_metric_name)))
            .exclude(pk=instance.pk)
            .order_by("period_start", "pk")
            .first()
        )
        if other is not None:
            raise self.refusal(instance, other)

    @staticmethod
    def refusal(objective: Objective, other: Objective) -> ValidationError:
        """`objective` collides with `other`: named as the person typed it, with the other's period."""
        same = (other.period_start, other.period_end) == (objective.period_start, objective.period_end)
        return ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    _("This account already has a “%(metric)s” objective from %(start)s to %(end)s.")
                    % {
                        "metric": str(objective),
                        "start": date_format(other.period_start, "SHORT_DATE_FORMAT"),
                        "end": date_format(other.period_end, "SHORT_DATE_FORMAT"),
                    },
                    code="overlap",
                ),
                "metric": ValidationError(
                    _("Already set for this period: change that objective instead.")
                    if same
                    else _("Its period overlaps that one: change that objective instead."),
                    code="overlap",
                ),
            }
        )


class Objective(OfOneOrganization, TenantOwned):
    """A target on an account for a period.

    Its actual comes from ObjectiveActual rows: entered by hand (source "manual") while the
    data does not exist in AccountDesk, computed from transactions (source "computed") once
    offers and billing do. The meaning of metric, target and actual does not change.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="objectives")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices, error_messages=ON_THE_LIST)
    custom_metric_name = TrimmedCharField(_("custom metric"), max_length=100, blank=True)
    period_start = models.DateField(
        _("period start"), validators=sane_date, error_messages={"invalid": A_DATE, "invalid_date": A_DATE}
    )
    period_end = models.DateField(
        _("period end"), validators=sane_date, error_messages={"invalid": A_DATE, "invalid_date": A_DATE}
    )
    target = MoneyField(_("target"), validators=[MinValueValidator(Decimal("0"))])
    tolerance_pct = ExactDecimalField(
        _("tolerance %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits", "max_decimal_places"), TOLERANCE
        ),
    )
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "metric"]
        constraints = [
            FieldCheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="objective_period_ordered",
                field="period_end",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            FieldCheckConstraint(
                condition=Q(target__gte=0),
                name="objective_target_not_negative",
                field="target",
                violation_error_message=_("It cannot be negative."),
            ),
            FieldCheckConstraint(
                condition=~Q(metric__in=PERCENT_METRIC_CODES) | Q(target__lte=100),
                name="objective_percent_target_at_most_100",
                field="target",
                violation_error_message=_("A percentage target is at most 100."),
            ),
            FieldCheckConstraint(
                condition=Q(tolerance_pct__gte=0, tolerance_pct__lte=100),
                name="objective_tolerance_in_range",
                field="tolerance_pct",
                violation_error_message=TOLERANCE,
            ),
            FieldCheckConstraint(
                condition=~Q(metric="custom") | ~Q(custom_metric_name=""),
                name="objective_custom_has_a_name",
                field="custom_metric_name",
                violation_error_message=_("Name the custom metric."),
            ),
            ObjectivePeriodsDoNotOverlap(name=OBJECTIVE_NO_OVERLAP),
        ]
        indexes = [models.Index(fields=["organization", "account", "period_end"], name="objective_org_account_idx")]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.custom_metric_name if self.metric == Metric.CUSTOM else str(self.get_metric_display())

    def clean(self) -> None:
        # A standard metric has no name of its own: one typed for it is dropped.
        if self.metric != Metric.CUSTOM:
            self.custom_metric_name = ""

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


class ObjectiveActual(OfOneOrganization, TenantOwned):
    """The value of an objective's metric as of a date (cumulative since the period start)."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actuals")
    as_of = models.DateField(
        _("as of"), validators=sane_date, error_messages={"invalid": A_DATE, "invalid_date": A_DATE}
    )
    value = MoneyField(_("value"), validators=[MinValueValidator(Decimal("0"))])
    source = models.CharField(max_length=10, choices=ActualSource.choices, default=ActualSource.MANUAL)
    entered_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "objective", "source", "as_of"],
                name="actual_org_objective_source_date_unique",
                violation_error_message=_("This objective has an actual for that date already."),
            )
        ]
        verbose_name = _("objective actual")
        verbose_name_plural = _("objective actuals")

    def __str__(self) -> str:
        return f"{self.value} as of {self.as_of}"

    def clean(self) -> None:
        """Inside the objective's period, known already (not in the future), and a percentage
        for a percent metric."""
        objective = self.objective
        if isinstance(self.value, Decimal) and objective.is_percent and self.value > 100:
            raise ValidationError({"value": _("A percentage is between 0 and 100.")})
        if not isinstance(self.as_of, date):
            return
        if not objective.period_start <= self.as_of <= objective.period_end:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _("The date must be inside the objective's period."),
                    "as_of": _("Between %(start)s and %(end)s.")
                    % {
                        "start": date_format(objective.period_start, "SHORT_DATE_FORMAT"),
                        "end": date_format(objective.period_end, "SHORT_DATE_FORMAT"),
                    },
                }
            )
        if self.as_of > timezone.localdate():
            raise ValidationError(
                {NON_FIELD_ERRORS: _("An actual cannot be in the future."), "as_of": _("Today or earlier.")}
            )


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


def not_after_tomorrow(moment: datetime) -> None:
    """What happened, not what is planned (a day's margin for time zones and clocks)."""
    if moment > timezone.now() + timedelta(days=1):
        raise ValidationError(_("Log what happened: the date cannot be in the future."), code="future")


DURATION = _("The duration is between 0 minutes and a day (1440).")


class Activity(OfOneOrganization, TenantOwned):
    """Commercial work on an account, with an optional next step that someone owns."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("type"), max_length=10, choices=ActivityKind.choices, error_messages=ON_THE_LIST)
    occurred_at = models.DateTimeField(
        _("when"),
        validators=[*sane_datetime, not_after_tomorrow],
        error_messages={"invalid": A_MOMENT, "invalid_date": A_MOMENT},
    )
    duration_minutes = WholeSmallNumberField(
        _("duration (minutes)"), default=0, validators=[MaxValueValidator(1440)], error_messages=_all(DURATION)
    )
    summary = TrimmedTextField(_("summary"), max_length=4000, error_messages={"blank": _("Say what happened.")})
    outcome = TrimmedCharField(_("outcome"), max_length=500, blank=True)
    contacts = models.ManyToManyField(Contact, through="ActivityContact", related_name="activities", blank=True)
    next_step = TrimmedCharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(
        _("next step due"),
        null=True,
        blank=True,
        validators=sane_date,
        error_messages={"invalid": A_DATE, "invalid_date": A_DATE},
    )
    next_step_owner = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_steps",
        verbose_name=_("next step owner"),
        limit_choices_to={"is_active": True},
        error_messages={"invalid": ACTIVE_MEMBER},
    )
    next_step_done_at = models.DateTimeField(_("next step done"), null=True, blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            FieldCheckConstraint(
                condition=Q(duration_minutes__lte=1440),
                name="activity_duration_at_most_a_day",
                field="duration_minutes",
                violation_error_message=DURATION,
            ),
            FieldCheckConstraint(
                condition=Q(next_step="") | Q(next_step_due__isnull=False),
                name="activity_next_step_has_a_date",
                field="next_step_due",
                violation_error_message=_("Give the next step a due date."),
            ),
            FieldCheckConstraint(
                condition=Q(next_step_due__isnull=True) | ~Q(next_step=""),
                name="activity_due_date_has_a_next_step",
                field="next_step",
                violation_error_message=_("A due date needs a next step: say what it is, or clear the date."),
            ),
            FieldCheckConstraint(
                condition=_sane_moment("occurred_at"),
                name="activity_occurred_in_range",
                field="occurred_at",
                violation_error_message=IN_RANGE,
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "-occurred_at"], name="activity_org_account_idx"),
            models.Index(
                fields=["organization", "next_step_owner", "next_step_due"],
                condition=Q(next_step_done_at__isnull=True) & ~Q(next_step=""),
                name="activity_open_next_step_idx",
            ),
            # Whether an account has an overdue next step (the portfolio's flag): per account,
            # or, for a whole list, every open step of the organisation from the index alone.
            models.Index(
                fields=["organization", "account", "next_step_due"],
                condition=Q(next_step_done_at__isnull=True) & ~Q(next_step=""),
                name="activity_open_step_account_idx",
            ),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    def clean(self) -> None:
        if not self.next_step:
            # The form always sends an owner (the person logging, by default): without a
            # next step, there is nothing for them to own.
            self.next_step_owner = None
        elif self.next_step_owner_id is None:
            raise ValidationError({"next_step_owner": _("Give the next step an owner.")})

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


class Incident(OfOneOrganization, TenantOwned):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="incidents")
    title = TrimmedCharField(_("title"), max_length=200, error_messages={"blank": _("This field is required.")})
    description = TrimmedTextField(_("description"), max_length=5000, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL, error_messages=ON_THE_LIST
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=IncidentStatus.choices,
        default=IncidentStatus.OPEN,
        error_messages=ON_THE_LIST,
    )
    assignee = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assignee"),
        limit_choices_to={"is_active": True},
        error_messages={"invalid": ACTIVE_MEMBER},
    )
    opened_at = models.DateTimeField(
        _("opened"),
        default=timezone.now,
        validators=sane_datetime,
        error_messages={"invalid": A_MOMENT, "invalid_date": A_MOMENT},
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # From the severity and the organisation's SLA setting when opened or re-graded.
    sla_due_at = models.DateTimeField(_("SLA due"))
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sla_due_at"]
        constraints = [
            FieldCheckConstraint(
                condition=_sane_moment("opened_at"),
                name="incident_opened_in_range",
                field="opened_at",
                violation_error_message=IN_RANGE,
            )
        ]
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


def _whole_number_up_to(high: int):
    return lazy(lambda: gettext("A whole number from 1 to %(high)s.") % {"high": high}, str)()


SLA_LEAST, SLA_MOST = 1, 2160  # hours: up to 90 days
SLA_HOURS, QUIET_DAYS = _whole_number_up_to(SLA_MOST), _whole_number_up_to(365)
_SLA_RANGE = [MinValueValidator(SLA_LEAST), MaxValueValidator(SLA_MOST)]
SLA_FIELDS = ("sla_hours_low", "sla_hours_normal", "sla_hours_high", "sla_hours_critical")  # the least severe first


class PortfolioSettings(TenantOwned):
    """The organisation's settings for accounts: incident SLAs and when an account goes quiet."""

    sla_hours_low = WholeNumberField(
        _("SLA for low severity (hours)"), default=120, validators=_SLA_RANGE, error_messages=_all(SLA_HOURS)
    )
    sla_hours_normal = WholeNumberField(
        _("SLA for normal severity (hours)"), default=48, validators=_SLA_RANGE, error_messages=_all(SLA_HOURS)
    )
    sla_hours_high = WholeNumberField(
        _("SLA for high severity (hours)"), default=8, validators=_SLA_RANGE, error_messages=_all(SLA_HOURS)
    )
    sla_hours_critical = WholeNumberField(
        _("SLA for critical severity (hours)"), default=4, validators=_SLA_RANGE, error_messages=_all(SLA_HOURS)
    )
    quiet_after_days = WholeNumberField(
        _("an account is quiet after (days without activity)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        error_messages=_all(QUIET_DAYS),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="portfoliosettings_one_per_org")]
        verbose_name = _("portfolio settings")
        verbose_name_plural = _("portfolio settings")

    def sla_hours(self, severity: str) -> int:
        return getattr(self, f"sla_hours_{severity}")

    def clean(self) -> None:
        # A more severe incident is never given longer than a less severe one.
        errors = {}
        # Of the hours each field took (one refused for itself is not compared).
        hours = {
            name: value
            for name in SLA_FIELDS
            if isinstance(value := getattr(self, name), int) and SLA_LEAST <= value <= SLA_MOST
        }
        for less, more in zip(SLA_FIELDS, SLA_FIELDS[1:], strict=False):
            if less in hours and more in hours and hours[more] > hours[less]:
                errors[more] = _("At most the hours of the less severe level (%(hours)s).") % {"hours": hours[less]}
        if errors:
            raise ValidationError(errors)
