"""Forms of the account pages: parsing only; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountRole, AccountStatus, ActivityKind, IncidentStatus, Metric, RiskRating, Severity, Tier
from clients.models import Client, Contact
from clients.reference import CURRENCY_CHOICES
from tenancy.fields import AmountField
from tenancy.forms import NativeDateInput
from tenancy.models import Membership, Organization, Team


def _people(organization: Organization, *, account_executives_only: bool = False):
    people = (
        Membership.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )
    return people.filter(is_account_executive=True) if account_executives_only else people


class _PersonChoice(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Choose a person"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, membership):
        return membership.user.full_name or membership.user.email


def people_choices(organization: Organization, *, account_executives_only: bool = False) -> list[tuple[int, str]]:
    """[(membership id, name)] in one query without model instances: a page with several
    forms offering the same people reads them once (forms validate against their queryset)."""
    people = _people(organization, account_executives_only=account_executives_only)
    return list(people.values_list("pk", "user__full_name"))


def _offer_people(
    form: forms.Form,
    name: str,
    organization: Organization,
    people: list | None,
    *,
    account_executives_only: bool = False,
) -> None:
    """A form with data validates against the people queryset; a form that is only shown
    needs (id, name) pairs, read once per page by the caller or here without model instances."""
    field = form.fields[name]
    if form.is_bound:
        field.queryset = _people(organization, account_executives_only=account_executives_only)
    elif people is None:
        people = people_choices(organization, account_executives_only=account_executives_only)
    if people is not None:
        field.choices = ([("", field.empty_label)] if field.empty_label is not None else []) + people


class AccountForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.unscoped_dangerously.none(), empty_label=_("Choose a client")
    )
    name = forms.CharField(label=_("Account name"), max_length=200)
    owner = _PersonChoice(label=_("Owner"), queryset=Membership.unscoped_dangerously.none())
    sales_team = forms.ModelChoiceField(
        label=_("Sales team"), queryset=Team.unscoped_dangerously.none(), required=False, empty_label=_("No team")
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), initial=30)
    credit_limit = AmountField(label=_("Credit limit"), initial=0)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.STANDARD)
    status = forms.ChoiceField(label=_("Status"), choices=AccountStatus.choices, initial=AccountStatus.ONBOARDING)
    start_date = forms.DateField(label=_("Start date"), initial=timezone.localdate, widget=NativeDateInput())

    def __init__(self, *args, organization: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(organization=organization).order_by("legal_name")
        self.fields["owner"].queryset = _people(organization, account_executives_only=True)
        self.fields["sales_team"].queryset = Team.objects.filter(organization=organization).order_by("name")
        if editing:
            # Changing the client of an account, or its owner, are separate decisions.
            del self.fields["client"]
            del self.fields["owner"]


class ReassignForm(forms.Form):
    owner = _PersonChoice(label=_("New owner"), queryset=Membership.unscoped_dangerously.none())

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_people(self, "owner", organization, None, account_executives_only=True)


class RiskRatingForm(forms.Form):
    risk_rating = forms.ChoiceField(label=_("Risk rating"), choices=RiskRating.choices)


class AccountTeamForm(forms.Form):
    membership = _PersonChoice(label=_("Person"), queryset=Membership.unscoped_dangerously.none())
    role = forms.ChoiceField(label=_("Role on the account"), choices=AccountRole.choices)

    def __init__(self, *args, organization: Organization, people: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_people(self, "membership", organization, people)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=30)
    contact_ids = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.unscoped_dangerously.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("Outcome"), max_length=500, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Due"), required=False, widget=NativeDateInput())
    next_step_owner = _PersonChoice(
        label=_("Owner of the next step"), queryset=Membership.unscoped_dangerously.none(), required=False
    )

    def __init__(
        self,
        *args,
        organization: Organization,
        client_id: int,
        people: list | None = None,
        contacts: list | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        contact_ids = self.fields["contact_ids"]
        if self.is_bound or contacts is None:
            contact_ids.queryset = Contact.objects.filter(organization=organization, client_id=client_id)
            contact_ids.label_from_instance = lambda c: c.full_name
        if contacts is not None:
            contact_ids.choices = [(c.pk, c.full_name) for c in contacts]
        _offer_people(self, "next_step_owner", organization, people)
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["contact_ids"] = [c.pk for c in data.pop("contact_ids")]
        data["next_step_owner"] = data["next_step_owner"].pk if data["next_step_owner"] else None
        return data


class ObjectiveForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    custom_metric_name = forms.CharField(label=_("Custom metric"), max_length=100, required=False)
    period_start = forms.DateField(label=_("From"), widget=NativeDateInput())
    period_end = forms.DateField(label=_("To"), widget=NativeDateInput())
    target = AmountField(label=_("Target"))
    tolerance_pct = AmountField(label=_("Tolerance %"), max_digits=5, initial=10)


class ActualForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), initial=timezone.localdate, widget=NativeDateInput())
    value = AmountField(label=_("Actual"))


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    assignee = _PersonChoice(label=_("Assignee"), queryset=Membership.unscoped_dangerously.none(), required=False)

    def __init__(self, *args, organization: Organization, people: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_people(self, "assignee", organization, people)


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
