"""FilterSets for clients and contacts, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import COUNTRY_CHOICES
from clients.selectors import matching

CLIENT_SORTS = {
    "name": ("legal_name", "id"),
    "-name": ("-legal_name", "-id"),
    "city": ("city", "legal_name", "id"),
    "-city": ("-city", "-legal_name", "-id"),
    "status": ("status", "legal_name", "id"),
    "-status": ("-status", "-legal_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def _search(queryset, name, value):
    return matching(queryset, value) if value else queryset


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    status = django_filters.ChoiceFilter(choices=ClientStatus.choices, label=_("Status"))
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Sector"))
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices, label=_("Size"))
    country = django_filters.ChoiceFilter(choices=COUNTRY_CHOICES, label=_("Country"))
    sort = django_filters.ChoiceFilter(
        method="apply_sort", choices=[(k, k) for k in CLIENT_SORTS], label=_("Sort"), empty_label=None
    )

    class Meta:
        model = Client
        fields = []

    def apply_sort(self, queryset, name, value):
        return queryset.order_by(*CLIENT_SORTS.get(value, CLIENT_SORTS["name"]))

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*CLIENT_SORTS["name"])
        return queryset


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    buying_role = django_filters.ChoiceFilter(choices=BuyingRole.choices, label=_("Buying role"))
    is_primary = django_filters.BooleanFilter(label=_("Primary contact"))

    class Meta:
        model = Contact
        fields = []
