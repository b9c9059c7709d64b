"""The product pages' exports (offers.views_products): the same rows, in the same order, as the
page shows, for the person who asked (only the accounts they see). The product is in the query
(`product`), as the export registry keeps a list's query and nothing else; its list route
(`product_accounts`) sends that query on to the product's page. Registered by OffersConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import Product
from catalog.selectors import product_successor
from offers import selectors_products
from offers.filters_products import LaunchAccountFilter, ReplacementAccountFilter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

REPLACEMENT_HEADER = [
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Account executive"),
    gettext_noop("Open offers"),
    gettext_noop("To deliver"),
    gettext_noop("Last purchase"),
    gettext_noop("Quantity in 12 months"),
    gettext_noop("Currency"),
    gettext_noop("Bought in 12 months"),
]
LAUNCH_HEADER = [
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Account executive"),
    gettext_noop("Last purchase in the category"),
    gettext_noop("Currency"),
    gettext_noop("Bought in 12 months"),
    gettext_noop("Informed"),
    gettext_noop("Informed by"),
]


def query_product(*, organization: Organization, query: QueryDict) -> Product:
    """The product a list's query names (Product.DoesNotExist, a 404, for none of this
    organisation's)."""
    product_id = query.get("product", "")
    if not product_id.isdigit():
        raise Product.DoesNotExist
    return selectors_products.product_for_page(organization=organization, product_id=int(product_id))


def replacement_filter(
    *, organization: Organization, membership: Membership, product: Product, successor: Product | None, query: QueryDict
):
    accounts = selectors_products.obsolete_product_accounts(
        organization=organization, membership=membership, product=product, successor=successor
    )
    return ReplacementAccountFilter(query, queryset=accounts, organization=organization, membership=membership)


def launch_filter(*, organization: Organization, membership: Membership, product: Product, query: QueryDict):
    accounts = selectors_products.launch_accounts(organization=organization, membership=membership, product=product)
    return LaunchAccountFilter(query, queryset=accounts, organization=organization, membership=membership)


def _filename(kind: str, organization: Organization, product: Product) -> str:
    return f"{kind}-{organization.slug}-{product.sku}-{timezone.localdate().isoformat()}"


def replacement_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    product = query_product(organization=organization, query=query)
    successor = product_successor(organization=organization, product=product)
    accounts = replacement_filter(
        organization=organization, membership=membership, product=product, successor=successor, query=query
    ).qs
    rows = (
        [
            a.name,
            a.client.display_name,
            a.owner.user.full_name,
            a.open_offers,
            a.open_order_quantity,
            a.last_purchase,
            a.quantity_12m,
            a.currency,
            a.amount_12m,
        ]
        for a in accounts.iterator(chunk_size=2000)
    )
    header = [_(h) for h in REPLACEMENT_HEADER]
    return ExportRows(_filename("replacements", organization, product), product.sku, header, accounts.count(), rows)


def launch_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    product = query_product(organization=organization, query=query)
    accounts = launch_filter(organization=organization, membership=membership, product=product, query=query).qs
    rows = (
        [
            a.name,
            a.client.display_name,
            a.owner.user.full_name,
            a.last_category_purchase,
            a.currency,
            a.category_amount_12m,
            a.informed_at,
            a.informed_by_name,
        ]
        for a in accounts.iterator(chunk_size=2000)
    )
    header = [_(h) for h in LAUNCH_HEADER]
    return ExportRows(_filename("launch", organization, product), product.sku, header, accounts.count(), rows)
