"""The FilterSet of the Statements page (the accounts whose statements a person may pull): the
same parameters filter the page and its exports."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from accounts.filters import SortFilter, TenantFilterSet
from accounts.models import Account
from clients.selectors import matching
from tenancy.models import Team

STATEMENT_ACCOUNT_ORDERS = {
    "name": ("name", "id"),
    "client": ("client__legal_name", "name", "id"),
    "balance": ("balance", "name", "id"),
    "last_entry": (F("last_entry_on").asc(nulls_first=True), "name", "id"),
}


def _no_teams(request):
    return Team.objects.none()


def _search(queryset, name, value):
    return matching(queryset, value) if value else queryset


class StatementAccountFilter(TenantFilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"), max_length=100)
    sales_team = django_filters.ModelChoiceFilter(queryset=_no_teams, label=_("Team"), empty_label=_("Any team"))
    sort = SortFilter(
        orders=STATEMENT_ACCOUNT_ORDERS,
        choices=[
            ("name", _("Account, A to Z")),
            ("-name", _("Account, Z to A")),
            ("client", _("Client")),
            ("-client", _("Client, reversed")),
            ("-balance", _("Balance, highest first")),
            ("balance", _("Balance, lowest first")),
            ("-last_entry", _("Latest movement first")),
            ("last_entry", _("Oldest movement first")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Account
        fields = []
