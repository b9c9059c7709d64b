"""The export of the catalogue: the same rows, in the same order, as the list shows, whether
built while the person waits (tenancy.exports.list_export) or in the background
(tenancy.tasks.export_prepare); both find it registered by CatalogConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog import selectors
from catalog.filters import ProductFilter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

PRODUCT_HEADER = [
    gettext_noop("SKU"),
    gettext_noop("Name"),
    gettext_noop("Category"),
    gettext_noop("Kind"),
    gettext_noop("Unit"),
    gettext_noop("Tax rate"),
    gettext_noop("Currency"),
    gettext_noop("List price"),
    gettext_noop("Unit cost"),
    gettext_noop("Status"),
    gettext_noop("Obsolete since"),
    gettext_noop("Replaced by"),
]


def product_filter(*, organization: Organization, query: QueryDict) -> ProductFilter:
    """The catalogue filtered and sorted by `query`: what the list and its exports show (the API
    list filters with the same FilterSet and pages by id)."""
    return ProductFilter(query, queryset=selectors.product_list(organization=organization), organization=organization)


def product_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    # Every member reads the whole catalogue (catalog.permissions): `membership` narrows nothing.
    # A catalogue has hundreds or a few thousand rows: one query reads them all.
    products = list(product_filter(organization=organization, query=query).qs)
    currency = organization.base_currency
    rows = (
        [
            p.sku,
            p.name,
            p.category.name if p.category else "",
            p.get_kind_display(),
            p.get_unit_display(),
            p.tax_rate.name,
            currency,
            p.base_price,
            p.base_cost,
            p.get_status_display(),
            p.obsolete_on,
            p.replaced_by.sku if p.replaced_by else "",
        ]
        for p in products
    )
    filename = f"catalogue-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Catalogue"), [_(h) for h in PRODUCT_HEADER], len(products), rows)
