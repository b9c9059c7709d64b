"""FilterSets of the product pages: an obsolete product's accounts to move, a launched
product's accounts to tell (offers.selectors_products)."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import YES_NO_ANY, SortFilter, TenantFilterSet, _no_memberships
from accounts.models import Account

ACCOUNT_SEARCH = ("name", "client__legal_name", "client__trade_name")


def _search(queryset, value: str):
    """Every word in the account's name or its client's names."""
    for term in value.split()[:6]:
        condition = Q()
        for field in ACCOUNT_SEARCH:
            condition |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


REPLACEMENT_ORDERS = {
    "account": ("name", "id"),
    "offers": ("open_offers", "name", "id"),
    "orders": ("open_order_quantity", "name", "id"),
    "last_purchase": (F("last_purchase").asc(nulls_first=True), "name", "id"),
    "amount": ("amount_12m", "name", "id"),
}


class ReplacementAccountFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    has = django_filters.ChoiceFilter(
        choices=[
            ("offers", _("Open offers")),
            ("orders", _("Open orders")),
            ("purchases", _("Purchases in 12 months")),
        ],
        method="filter_has",
        label=_("With"),
        empty_label=_("Any of them"),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_no_memberships, label=_("Account executive"), empty_label=_("Anyone")
    )
    sort = SortFilter(
        orders=REPLACEMENT_ORDERS,
        choices=[
            ("account", _("Account, A to Z")),
            ("-offers", _("Most open offers first")),
            ("-orders", _("Most to deliver first")),
            ("-last_purchase", _("Latest purchase first")),
            ("-amount", _("Bought in 12 months, most first")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Account
        fields = []

    def filter_q(self, queryset, name, value):
        return _search(queryset, value)

    def filter_has(self, queryset, name, value):
        condition = {
            "offers": Q(open_offers__gt=0),
            "orders": Q(open_order_quantity__gt=0),
            "purchases": Q(quantity_12m__gt=0),
        }.get(value)
        return queryset if condition is None else queryset.filter(condition)


LAUNCH_ORDERS = {
    "account": ("name", "id"),
    "last_purchase": (F("last_category_purchase").asc(nulls_first=True), "name", "id"),
    "amount": ("category_amount_12m", "name", "id"),
    "informed": (F("informed_at").asc(nulls_first=True), "name", "id"),
}


class LaunchAccountFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    informed = django_filters.BooleanFilter(method="filter_informed", label=_("Informed"), widget=YES_NO_ANY)
    owner = django_filters.ModelChoiceFilter(
        queryset=_no_memberships, label=_("Account executive"), empty_label=_("Anyone")
    )
    sort = SortFilter(
        orders=LAUNCH_ORDERS,
        choices=[
            ("account", _("Account, A to Z")),
            ("-amount", _("Bought in the category, most first")),
            ("-last_purchase", _("Latest purchase first")),
            ("-informed", _("Latest informed first")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Account
        fields = []

    def filter_q(self, queryset, name, value):
        return _search(queryset, value)

    def filter_informed(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(is_informed=value)
