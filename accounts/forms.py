"""Forms of the account pages: parsing only; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    OWNERS,
    AccountRole,
    AccountStatus,
    ActivityKind,
    IncidentStatus,
    Metric,
    RiskRating,
    Severity,
    Tier,
)
from clients.models import Client, Contact
from clients.reference import CURRENCY_CHOICES
from tenancy.forms import NativeDateInput
from tenancy.models import Membership, Organization, Team
from tenancy.text import amount_typed


class _PersonChoice(forms.ModelChoiceField):
    """A person of the organisation (queryset given at request time, with `people_of`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose a person"))
        super().__init__(*args, queryset=None, **kwargs)

    def label_from_instance(self, membership):
        return membership.user.full_name or membership.user.email


def people_of(organization: Organization) -> QuerySet[Membership]:
    """The active people of the organisation: what a person field reads (the services say who
    may hold what)."""
    return (
        Membership.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def _offer(field: forms.ModelChoiceField, options: list[tuple[int, str]] | None) -> None:
    """Offer `options` ([(id, name)], read once per page by the caller, without model
    instances) instead of the whole queryset; what is sent is still read through it."""
    if options is not None:
        field.choices = ([("", field.empty_label)] if field.empty_label is not None else []) + list(options)


class AccountForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=None, empty_label=_("Choose a client"))
    name = forms.CharField(label=_("Account name"), max_length=200)
    owner = _PersonChoice(label=_("Owner"))
    sales_team = forms.ModelChoiceField(label=_("Sales team"), queryset=None, required=False, empty_label=_("No team"))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), initial=30)
    credit_limit = forms.DecimalField(label=_("Credit limit"), max_digits=14, decimal_places=2, initial=0)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.STANDARD)
    status = forms.ChoiceField(label=_("Status"), choices=AccountStatus.choices, initial=AccountStatus.ONBOARDING)
    start_date = forms.DateField(label=_("Start date"), initial=timezone.localdate, widget=NativeDateInput())

    def __init__(
        self,
        *args,
        organization: Organization,
        owners: QuerySet[Membership] | None = None,
        sales_team_url: str = "",
        editing: bool = False,
        **kwargs,
    ):
        """`owners`: whom the person may choose (accounts.selectors.account_owner_choices);
        `sales_team_url`: where the owner select asks for the sales team to default to."""
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(organization=organization).order_by("legal_name")
        self.fields["sales_team"].queryset = Team.objects.filter(organization=organization).order_by("name")
        if editing:
            # Changing the client of an account, or its owner, are separate decisions.
            del self.fields["client"]
            del self.fields["owner"]
            return
        self.fields["owner"].queryset = owners
        if sales_team_url:
            # Choosing the owner sets the sales team to theirs (still changeable): what the
            # lead of that team needs to see the account.
            self.fields["owner"].widget.attrs.update(
                {
                    "hx-get": sales_team_url,
                    "hx-trigger": "change",
                    "hx-target": "#id_sales_team",
                    "hx-select": "#id_sales_team",
                    "hx-swap": "outerHTML",
                }
            )


class ReassignForm(forms.Form):
    owner = _PersonChoice(label=_("New owner"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_of(organization).filter(**OWNERS)


class RiskRatingForm(forms.Form):
    risk_rating = forms.ChoiceField(label=_("Risk rating"), choices=RiskRating.choices)


class AccountTeamForm(forms.Form):
    membership = _PersonChoice(label=_("Person"))
    role = forms.ChoiceField(label=_("Role on the account"), choices=AccountRole.choices)

    def __init__(self, *args, organization: Organization, people: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = people_of(organization)
        _offer(self.fields["membership"], people)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=30)
    contact_ids = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("Outcome"), max_length=500, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Due"), required=False, widget=NativeDateInput())
    next_step_owner = _PersonChoice(label=_("Owner of the next step"), required=False)

    def __init__(
        self,
        *args,
        organization: Organization,
        client_id: int,
        people: list | None = None,
        contacts: list | None = None,
        **kwargs,
    ):
        """`people`: whom to offer as the next step's owner, [(id, name)] of those who see the
        account (accounts.selectors.people_for_account); `contacts`: the client's, read already."""
        super().__init__(*args, **kwargs)
        contact_ids = self.fields["contact_ids"]
        contact_ids.queryset = Contact.objects.filter(organization=organization, client_id=client_id)
        contact_ids.label_from_instance = lambda c: c.full_name
        if contacts is not None and not self.is_bound:
            contact_ids.choices = [(c.pk, c.full_name) for c in contacts]
        self.fields["next_step_owner"].queryset = people_of(organization)
        _offer(self.fields["next_step_owner"], people)
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def service_data(self) -> dict:
        """The service's arguments: the contacts by id (the service keeps those of the client)."""
        data = dict(self.cleaned_data)
        data["contact_ids"] = [c.pk for c in data.pop("contact_ids")]
        return data


class ObjectiveForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    custom_metric_name = forms.CharField(label=_("Custom metric"), max_length=100, required=False)
    period_start = forms.DateField(label=_("From"), widget=NativeDateInput())
    period_end = forms.DateField(label=_("To"), widget=NativeDateInput())
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    tolerance_pct = forms.DecimalField(label=_("Tolerance %"), max_digits=5, decimal_places=2, initial=10)


class AmountField(forms.DecimalField):
    """An amount typed in a text box the way the person writes numbers: "1500,50" or
    "1.500,50" in Spanish and Catalan, "1,500.50" in English, "1500.50" everywhere."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, **kwargs)

    def to_python(self, value):
        return super().to_python(amount_typed(value) if isinstance(value, str) else value)


class ActualForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), initial=timezone.localdate, widget=NativeDateInput())
    value = AmountField(label=_("Actual"), max_digits=14, decimal_places=2)


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    assignee = _PersonChoice(label=_("Assignee"), required=False)

    def __init__(self, *args, organization: Organization, people: list | None = None, **kwargs):
        """`people`: whom to offer, [(id, name)] of those who see the account."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people_of(organization)
        _offer(self.fields["assignee"], people)


class IncidentUpdateForm(IncidentForm):
    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)


class PortfolioSettingsForm(forms.Form):
    sla_hours_critical = forms.IntegerField(label=_("Critical incidents: SLA in hours"), min_value=1, max_value=2160)
    sla_hours_high = forms.IntegerField(label=_("High: SLA in hours"), min_value=1, max_value=2160)
    sla_hours_normal = forms.IntegerField(label=_("Normal: SLA in hours"), min_value=1, max_value=2160)
    sla_hours_low = forms.IntegerField(label=_("Low: SLA in hours"), min_value=1, max_value=2160)
    quiet_after_days = forms.IntegerField(
        label=_("An account is quiet after this many days without activity"), min_value=1, max_value=365
    )


class OlderPageForm(forms.Form):
    """`?before=<id>`: the oldest item of the page shown, for the next older page."""

    before = forms.IntegerField(min_value=1, max_value=2**63 - 1)  # an id the database can hold


class NewAccountQuery(forms.Form):
    """`?client=` and `?owner=` of the new-account form: what it starts with."""

    client = forms.IntegerField(required=False, min_value=1)
    owner = forms.IntegerField(required=False, min_value=1)
