"""FilterSets for clients and contacts: the same parameters filter the pages, the API lists and
the exports."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import COUNTRY_CHOICES
from clients.selectors import matching


def _search(queryset, name, value):
    return matching(queryset, value) if value else queryset


class TotalOrderingFilter(django_filters.OrderingFilter):
    """django-filter's `OrderingFilter`, with ties broken by `then` in the direction of the
    first key: the order is total, so pages never repeat or skip a row. Without a sort (or with
    one it does not know), the selector's order stands."""

    def __init__(self, *args, then: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.then = then

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        if not ordering:
            return qs
        sign = "-" if ordering[0].startswith("-") else ""
        asked = {field.lstrip("-") for field in ordering}
        return qs.order_by(*ordering, *(sign + field for field in self.then if field not in asked))


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    status = django_filters.ChoiceFilter(choices=ClientStatus.choices, label=_("Status"), empty_label=_("Any status"))
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Sector"), empty_label=_("Any sector"))
    size_band = django_filters.ChoiceFilter(choices=SizeBand.choices, label=_("Size"), empty_label=_("Any size"))
    country = django_filters.ChoiceFilter(choices=COUNTRY_CHOICES, label=_("Country"), empty_label=_("Any country"))
    sort = TotalOrderingFilter(
        fields=[("legal_name", "name"), ("city", "city"), ("status", "status"), ("created_at", "created")],
        choices=[
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("city", _("City, A to Z")),
            ("-city", _("City, Z to A")),
            ("status", _("Status")),
            ("-status", _("Status, reversed")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
        ],
        then=("legal_name", "id"),
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Client
        fields = []


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"))
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client"))
    buying_role = django_filters.ChoiceFilter(choices=BuyingRole.choices, label=_("Buying role"))
    is_primary = django_filters.BooleanFilter(label=_("Primary contact"))

    class Meta:
        model = Contact
        fields = []
