"""Finance's billing-check export: the same order lines, in the same order, as the billing-check
page shows for its filters. Registered by OffersConfig.ready."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import permissions as billing_permissions
from offers import selectors_orders
from offers.filters_orders import OrderCheckFilter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

CHECK_HEADER = [
    gettext_noop("Order"),
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Line"),
    gettext_noop("Description"),
    gettext_noop("Ordered"),
    gettext_noop("Delivered"),
    gettext_noop("Received"),
    gettext_noop("Invoiced"),
    gettext_noop("Credited"),
    gettext_noop("Differences"),
]


def order_check_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> OrderCheckFilter:
    """Finance's billing check filtered by `query` (only finance and admins: who sees every
    account's billing)."""
    if not billing_permissions.can_see_all_billing(membership):
        raise PermissionDenied
    lines = selectors_orders.order_differences(organization=organization, membership=membership)
    return OrderCheckFilter(query, queryset=lines, organization=organization, membership=membership)


def order_check_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    lines = order_check_filter(organization=organization, membership=membership, query=query).qs
    total = lines.count()
    rows = (
        [
            check.line.order.reference,
            check.line.order.account.name,
            check.line.order.account.client.display_name,
            check.line.position,
            check.line.description,
            check.ordered,
            check.delivered,
            check.received,
            check.invoiced,
            check.credited,
            "; ".join(check.differences),
        ]
        for check in map(selectors_orders.line_check, lines.iterator(chunk_size=2000))
    )
    filename = f"billing-check-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Billing check"), [_(h) for h in CHECK_HEADER], total, rows)
