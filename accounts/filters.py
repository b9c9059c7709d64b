"""FilterSets shared by the pages and the API: the same parameters filter both."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, IntegerField, OrderBy, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    OPEN_INCIDENT_STATUSES,
    Account,
    AccountStatus,
    Activity,
    ActivityKind,
    Incident,
    IncidentStatus,
    Objective,
    RiskRating,
    Severity,
    Tier,
)
from accounts.selectors import INCIDENT_ORDER, PORTFOLIO_ORDER
from clients.models import Sector
from clients.selectors import matching
from config.validators import sane_date, sane_datetime
from tenancy.models import Membership, Team


def _declared_order(field: str, choices) -> Case:
    """A choice's place in its declaration (strategic, key, growth, standard), which is the
    order people mean; the stored codes sort alphabetically into none."""
    return Case(
        *(When(**{field: value}, then=Value(rank)) for rank, value in enumerate(choices.values)),
        output_field=IntegerField(),
    )


def _descending(term: str | OrderBy) -> str | OrderBy:
    if isinstance(term, OrderBy):
        return term.copy().reverse_ordering()
    return term[1:] if term.startswith("-") else f"-{term}"


class SortFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter on `?sort=`: its parameter, choices and validation, with
    each choice a whole order (`orders`: the column, its declared order for a choice field,
    the ties broken to the last row) and `-` before a choice for the same order reversed.
    Without a sort, or with one it does not know, the selector's order stands."""

    def __init__(self, *args, orders: dict[str, tuple[str | OrderBy, ...]], **kwargs):
        self.orders = orders
        kwargs.setdefault("fields", [(key, key) for key in orders])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        asked = next((param for param in value or [] if param and param.lstrip("-") in self.orders), None)
        if asked is None:
            return qs
        order = self.orders[asked.lstrip("-")]
        return qs.order_by(*(map(_descending, order) if asked.startswith("-") else order))


ACCOUNT_ORDERS = {
    "name": PORTFOLIO_ORDER,
    "client": ("client__legal_name", "name", "id"),
    "owner": ("owner__user__full_name", "name", "id"),
    "credit_limit": ("credit_limit", "id"),
    "last_activity": ("last_activity_at", "id"),
    "tier": (_declared_order("tier", Tier).asc(), "name", "id"),
    "status": (_declared_order("status", AccountStatus).asc(), "name", "id"),
}
INCIDENT_ORDERS = {
    "sla": INCIDENT_ORDER,
    "opened": ("opened_at", "id"),
    "severity": (_declared_order("severity", Severity).asc(), "sla_due_at", "id"),
    "status": (_declared_order("status", IncidentStatus).asc(), "sla_due_at", "id"),
}


class YesNoAny(django_filters.widgets.BooleanWidget):
    """true / false in the URL, "Any" when absent (django-filter says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


YES_NO_ANY = YesNoAny


# A FilterSet's form class, per FilterSet and language. django-filter builds it, and a field
# for every filter, on each request; the fields are the same every time (a label it derives
# from the model is in the language of the moment, hence the key). Each form deep-copies the
# class's fields, and TenantFilterSet gives those copies the organisation's querysets.
_FORM_CLASSES: dict[tuple[type, str | None], type] = {}


class TenantFilterSet(django_filters.FilterSet):
    """A FilterSet whose choices come from one organisation only."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, organization=None, membership=None):
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        # From the request on a page or in the API; given when there is none (an export task).
        self.organization = organization or getattr(request, "organization", None)
        self.membership = membership or getattr(request, "membership", None)
        for _name, form_field in self.form.fields.items():
            queryset_of = getattr(form_field, "queryset", None)
            if queryset_of is not None and self.organization is not None:
                model = queryset_of.model
                form_field.queryset = model.objects.filter(organization=self.organization)
                if model is Membership:
                    form_field.queryset = form_field.queryset.select_related("user").order_by("user__full_name")

    def get_form_class(self):
        key = (type(self), translation.get_language())
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            # Shared by every organisation: it may hold no one's rows.
            for name, form_field in form_class.base_fields.items():
                queryset_of = getattr(form_field, "queryset", None)
                if queryset_of is not None and not queryset_of.query.is_empty():
                    raise ImproperlyConfigured(
                        f"{type(self).__name__}.{name}: a filter's queryset must be empty (.none()); TenantFilterSet gives each form its organisation's rows."
                    )
            _FORM_CLASSES[key] = form_class
        return form_class

    def offer_choices(self) -> TenantFilterSet:
        """For a page that shows the form: offer people and teams from values() queries, without
        model instances (validation still goes through the queryset). The API never renders it."""
        for form_field in self.form.fields.values():
            queryset_of = getattr(form_field, "queryset", None)
            if queryset_of is None:
                continue
            if queryset_of.model is Membership:
                options = queryset_of.filter(is_active=True).values_list("pk", "user__full_name")
            elif queryset_of.model is Team:
                options = queryset_of.values_list("pk", "name")
            else:
                continue
            form_field.widget.choices = [("", form_field.empty_label)] + list(options)
        return self


# The filters' querysets are callables that return nothing: a FilterSet deep-copies its filters
# on every request (a queryset in them would be copied whole, its query and its model), and the
# form class built from them is shared by every organisation (get_form_class). Each form's
# fields get their organisation's own querysets in TenantFilterSet.__init__.
def _no_memberships(request):
    return Membership.unscoped_dangerously.none()


def _no_teams(request):
    return Team.unscoped_dangerously.none()


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment from the query string, in UTC and from 1900 to 2100: an offset the
    database does not take (+19:00) or a year it cannot store is read or refused here, never
    sent to it."""

    default_validators = sane_datetime

    def to_python(self, value):
        moment = super().to_python(value)
        return moment.astimezone(UTC) if moment is not None and timezone.is_aware(moment) else moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class DayFilter(django_filters.DateFilter):
    """A date from the query string, from 1900 to 2100."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", sane_date)
        super().__init__(*args, **kwargs)


def _search(queryset, name, value):
    return matching(queryset, value) if value else queryset


class AccountFilter(TenantFilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=_no_memberships, label=_("Owner"), empty_label=_("Anyone"))
    sales_team = django_filters.ModelChoiceFilter(queryset=_no_teams, label=_("Team"), empty_label=_("Any team"))
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices, label=_("Status"), empty_label=_("Any status"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"), empty_label=_("Any tier"))
    sector = django_filters.ChoiceFilter(
        field_name="client__sector", choices=Sector.choices, label=_("Client sector"), empty_label=_("Any sector")
    )
    risk_rating = django_filters.ChoiceFilter(
        choices=RiskRating.choices, label=_("Risk rating"), empty_label=_("Any rating")
    )
    has_overdue_next_steps = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue next steps"), widget=YES_NO_ANY
    )
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    sort = SortFilter(orders=ACCOUNT_ORDERS, label=_("Sort"))

    class Meta:
        model = Account
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(has_overdue_next_steps=value)


class IncidentFilter(TenantFilterSet):
    # "All I can see" first: it is what the list shows when nothing is chosen.
    SCOPE_CHOICES = [("all", _("All I can see")), ("mine", _("Assigned to me")), ("team", _("My team's"))]
    scope = django_filters.ChoiceFilter(method="filter_scope", choices=SCOPE_CHOICES, label=_("Show"), empty_label=None)
    # "unresolved": any of the open statuses; "open" is the status Open alone.
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[("unresolved", _("Open (any)"))] + list(IncidentStatus.choices),
        label=_("Status"),
        empty_label=_("Any status"),
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"), empty_label=_("Any severity"))
    account = django_filters.NumberFilter(field_name="account_id", label=_("Account"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("SLA passed"), widget=YES_NO_ANY)
    sort = SortFilter(orders=INCIDENT_ORDERS, label=_("Sort"))

    class Meta:
        model = Incident
        fields = []

    def filter_scope(self, queryset, name, value):
        membership = self.membership
        if membership is None or value in (None, "", "all"):
            return queryset
        if value == "mine":
            return queryset.filter(assignee=membership)
        from tenancy.models import TeamMember

        teams = TeamMember.objects.filter(organization=self.organization, membership=membership).values("team_id")
        return queryset.filter(Q(account__sales_team__in=teams) | Q(assignee=membership) | Q(account__owner=membership))

    def filter_status(self, queryset, name, value):
        if value == "unresolved":
            return queryset.filter(status__in=OPEN_INCIDENT_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_INCIDENT_STATUSES, sla_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


# The API's filters (their labels are the OpenAPI schema's descriptions).
class ActivityFilter(TenantFilterSet):
    account = django_filters.NumberFilter(field_name="account_id", label=_("Account"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Type"))
    next_step_owner = django_filters.NumberFilter(field_name="next_step_owner_id", label=_("Next step owner"))
    open_next_step = django_filters.BooleanFilter(
        method="filter_open_next_step", label=_("Has a next step not done yet")
    )
    occurred_after = MomentFilter(field_name="occurred_at", lookup_expr="gte", label=_("Happened at or after"))
    occurred_before = MomentFilter(field_name="occurred_at", lookup_expr="lt", label=_("Happened before"))

    class Meta:
        model = Activity
        fields = []

    def filter_open_next_step(self, queryset, name, value):
        if value is None:
            return queryset
        open_step = Q(next_step_done_at__isnull=True) & ~Q(next_step="")
        return queryset.filter(open_step) if value else queryset.exclude(open_step)


class ObjectiveFilter(TenantFilterSet):
    account = django_filters.NumberFilter(field_name="account_id", label=_("Account"))
    metric = django_filters.CharFilter(field_name="metric", label=_("Metric"))
    active_on = DayFilter(method="filter_active_on", label=_("Its period includes this date"))

    class Meta:
        model = Objective
        fields = []

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value) if value else queryset
