"""Orders' FilterSets: the orders list (API) and finance's billing check (the page, its exports
and the API), the same parameters everywhere."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import SortFilter, TenantFilterSet
from offers.models import InvoiceBy, Order, OrderLine
from offers.selectors_orders import CHECK_ORDER, DIFFERENCE_CONDITIONS, Difference

ORDER_SEARCH = ("reference", "account__name", "account__client__legal_name", "account__client__trade_name")


def _searched(queryset, value: str, prefix: str = ""):
    """Each word in the order's reference, its account's name or its client's names."""
    for term in value.split()[:6]:
        condition = Q()
        for field in ORDER_SEARCH:
            condition |= Q(**{f"{prefix}{field}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


class OrderFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    invoice_by = django_filters.ChoiceFilter(choices=InvoiceBy.choices, label=_("Invoiced by"), empty_label=_("Either"))

    class Meta:
        model = Order
        fields = []

    def filter_q(self, queryset, name, value):
        return _searched(queryset, value)


CHECK_ORDERS = {
    "order": CHECK_ORDER,
    "reference": ("order__reference", "position", "id"),
    "account": ("order__account__name", *CHECK_ORDER),
}


class OrderCheckFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    difference = django_filters.ChoiceFilter(
        choices=Difference.choices, method="filter_difference", label=_("Difference"), empty_label=_("Any")
    )
    sort = SortFilter(
        orders=CHECK_ORDERS,
        choices=[
            ("order", _("Oldest order first")),
            ("-order", _("Newest order first")),
            ("account", _("Account, A to Z")),
            ("reference", _("Order reference")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = OrderLine
        fields = []

    def filter_q(self, queryset, name, value):
        return _searched(queryset, value, prefix="order__")

    def filter_difference(self, queryset, name, value):
        return queryset.filter(DIFFERENCE_CONDITIONS[value]) if value else queryset
