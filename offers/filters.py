"""Offers' FilterSet: the same parameters filter the pipeline page and its exports."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import YES_NO_ANY, SortFilter, TenantFilterSet, _no_memberships
from offers.models import CLOSED, OPEN, Grade, Offer, OfferStatus

OFFER_ORDERS = {
    "created": ("created_at", "id"),
    "number": ("number", "id"),
    "account": ("account__name", "-created_at", "-id"),
    "valid_until": ("valid_until", "id"),
    "expected_close": (F("expected_close").asc(nulls_last=True), "id"),
    "net": (F("net_total").asc(nulls_first=True), "id"),
    "status": ("status", "-created_at", "-id"),
}


class OfferFilter(TenantFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.ChoiceFilter(choices=OfferStatus.choices, label=_("Stage"), empty_label=_("Any stage"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"), empty_label=_("Any grade"))
    owner = django_filters.ModelChoiceFilter(
        queryset=_no_memberships, label=_("Account executive"), empty_label=_("Anyone")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"), widget=YES_NO_ANY)
    sort = SortFilter(
        orders=OFFER_ORDERS,
        choices=[
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("expected_close", _("Closing soonest first")),
            ("valid_until", _("Expiring soonest first")),
            ("-net", _("Net, highest first")),
            ("net", _("Net, lowest first")),
            ("account", _("Account, A to Z")),
            ("number", _("Number")),
            ("status", _("Stage")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Offer
        fields = []

    def filter_q(self, queryset, name, value):
        """The offer's number or title, its account's name or its client's names."""
        for term in value.split()[:6]:
            condition = Q()
            for field in (
                "number",
                "title",
                "account__name",
                "account__client__legal_name",
                "account__client__trade_name",
            ):
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN if value else CLOSED)
