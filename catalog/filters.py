"""The catalogue's FilterSet: the same parameters filter the page, the API list and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import SortFilter, TenantFilterSet
from catalog.models import Category, Product, ProductKind, ProductStatus

PRODUCT_ORDERS = {
    "name": ("name", "id"),
    "sku": ("sku", "id"),
    "category": (F("category__name").asc(nulls_last=True), "name", "id"),
    "price": (F("base_price").asc(nulls_last=True), "name", "id"),
    "status": ("status", "name", "id"),
}


def _no_categories(request):
    # The organisation's own are given to each form by TenantFilterSet.
    return Category.objects.none()


def _search(queryset, name, value):
    """Products whose SKU or name holds every word of `value`, whatever the case."""
    for term in value.split()[:6]:
        queryset = queryset.filter(Q(sku__icontains=term) | Q(name__icontains=term))
    return queryset


class ProductFilter(TenantFilterSet):
    q = django_filters.CharFilter(method=_search, label=_("Search"), max_length=100)
    category = django_filters.ModelChoiceFilter(
        queryset=_no_categories, label=_("Category"), empty_label=_("Any category")
    )
    kind = django_filters.ChoiceFilter(
        choices=ProductKind.choices, label=_("Kind"), empty_label=_("Products and services")
    )
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices, label=_("Status"), empty_label=_("Any status"))
    sort = SortFilter(
        orders=PRODUCT_ORDERS,
        choices=[
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("sku", _("SKU")),
            ("-sku", _("SKU, reversed")),
            ("category", _("Category")),
            ("-category", _("Category, reversed")),
            ("price", _("Price, lowest first")),
            ("-price", _("Price, highest first")),
            ("status", _("Status")),
            ("-status", _("Status, reversed")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Product
        fields = []

    def offer_choices(self) -> ProductFilter:
        """For the page: the categories from one values() query, without model instances."""
        field = self.form.fields["category"]
        field.widget.choices = [("", field.empty_label)] + list(field.queryset.values_list("pk", "name"))
        return self
