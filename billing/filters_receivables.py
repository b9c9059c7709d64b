"""The receivables page's parameters, shared by the page, its exports and the API: which
accounts (team, owner, currency, overdue or not), as of which day, grouped how, sorted how, and
the period of the DSO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import YES_NO_ANY, DayFilter, TenantFilterSet
from accounts.models import Account
from accounts.selectors import visible_accounts
from billing import receivables, selectors
from clients.reference import CURRENCY_CHOICES
from tenancy.forms import NativeDateInput
from tenancy.models import Membership, Organization, Team

DSO_DAYS = 90  # the DSO's period when none is asked for: the 90 days that end on the aging's day


def _no_memberships(request):
    return Membership.objects.none()


def _no_teams(request):
    return Team.objects.none()


def _read_by_the_report(queryset, name, value):
    """As of, group, overdue and the DSO's period are the report's, not the accounts' filters:
    receivables_report reads them from the form."""
    return queryset


class ReportSort(django_filters.OrderingFilter):
    """`?sort=` as django-filter reads and validates it (a key, or `-key` descending); the aging
    selector orders its rows by it (they are sums, not the accounts' columns)."""

    def filter(self, qs, value):
        return qs


class ReceivablesForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("dso_from"), data.get("dso_to")
        if start and end and start > end:
            self.add_error("dso_to", _("The period cannot end before it starts."))
        return data


class ReceivablesFilter(TenantFilterSet):
    group = django_filters.ChoiceFilter(
        method=_read_by_the_report,
        choices=receivables.Group.CHOICES,
        empty_label=None,
        label=_("Group by"),
    )
    as_of = DayFilter(method=_read_by_the_report, label=_("As of"), widget=NativeDateInput())
    sales_team = django_filters.ModelChoiceFilter(queryset=_no_teams, label=_("Team"), empty_label=_("Any team"))
    owner = django_filters.ModelChoiceFilter(
        queryset=_no_memberships, label=_("Account executive"), empty_label=_("Anyone")
    )
    currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES, label=_("Currency"), empty_label=_("Any currency"))
    overdue = django_filters.BooleanFilter(method=_read_by_the_report, label=_("Overdue"), widget=YES_NO_ANY)
    dso_from = DayFilter(method=_read_by_the_report, label=_("DSO from"), widget=NativeDateInput())
    dso_to = DayFilter(method=_read_by_the_report, label=_("DSO to"), widget=NativeDateInput())
    sort = ReportSort(fields=[(key, key) for key in receivables.SORTS], label=_("Sort"))

    class Meta:
        model = Account
        fields = []
        form = ReceivablesForm

    def offer_choices(self) -> ReceivablesFilter:
        """The page's selects: people and teams (TenantFilterSet), and the currencies the
        organisation's accounts are in rather than every ISO 4217 code (one query)."""
        super().offer_choices()
        field = self.form.fields["currency"]
        field.widget.choices = [("", field.empty_label), *((c, c) for c in account_currencies(self.organization))]
        return self


def account_currencies(organization: Organization) -> list[str]:
    return list(
        Account.objects.filter(organization=organization)
        .order_by("currency")
        .distinct()
        .values_list("currency", flat=True)
    )


def receivables_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> ReceivablesFilter:
    """The accounts this person sees, filtered as the query asks."""
    accounts = visible_accounts(organization=organization, membership=membership)
    return ReceivablesFilter(query, queryset=accounts, organization=organization, membership=membership)


@dataclass(frozen=True)
class Receivables:
    aging: receivables.AgingReport
    dso: Dso
    sort: str


def _asked(filterset: ReceivablesFilter, name: str):
    """A report parameter as the form read it (None when absent or refused: the form says why)."""
    filterset.is_valid()
    return filterset.form.cleaned_data.get(name)


def report_aging(filterset: ReceivablesFilter) -> receivables.AgingReport:
    """The aging of the filtered accounts, as the parameters ask (one query)."""
    return receivables.aging(
        organization=filterset.organization,
        accounts=filterset.qs,
        as_of=_as_of(filterset),
        group=_asked(filterset, "group") or receivables.Group.ACCOUNT,
        overdue=_asked(filterset, "overdue"),
        sort=report_sort(filterset),
    )


@dataclass(frozen=True)
class Dso:
    """Days sales outstanding over a period (billing.selectors.dso): None when nothing was sold."""

    start: date
    end: date
    currency: str
    value: Decimal | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def report_dso(filterset: ReceivablesFilter) -> Dso:
    """The DSO of the filtered accounts over the period asked for; by default the DSO_DAYS that
    end on the aging's day."""
    end = _asked(filterset, "dso_to") or _as_of(filterset)
    start = _asked(filterset, "dso_from") or end - timedelta(days=DSO_DAYS - 1)
    if start > end:  # only a start was asked for, after the default end
        end = start
    organization = filterset.organization
    value = selectors.dso(
        organization=organization, membership=filterset.membership, start=start, end=end, accounts=filterset.qs
    )
    return Dso(start, end, organization.base_currency, value)


def report_sort(filterset: ReceivablesFilter) -> str:
    return (_asked(filterset, "sort") or [receivables.DEFAULT_SORT])[0]


def _as_of(filterset: ReceivablesFilter):
    return _asked(filterset, "as_of") or timezone.localdate()


def receivables_report(filterset: ReceivablesFilter) -> Receivables:
    """The page's report: the aging and the DSO."""
    return Receivables(aging=report_aging(filterset), dso=report_dso(filterset), sort=report_sort(filterset))
