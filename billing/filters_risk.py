"""The risk policy's versions: the same parameters filter the page's history and the API list."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DayFilter, TenantFilterSet
from billing.models import RiskPolicy
from tenancy.forms import NativeDateInput


class RiskPolicyFilter(TenantFilterSet):
    saved_from = DayFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Saved from"), widget=NativeDateInput()
    )
    saved_to = DayFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Saved until"), widget=NativeDateInput()
    )
    saved_by = django_filters.NumberFilter(field_name="created_by_id", label=_("Saved by (membership id)"))

    class Meta:
        model = RiskPolicy
        fields = []
