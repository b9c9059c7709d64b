"""The export of the payments list: the same rows, in the same order, as the list shows, whether
built while the person waits (tenancy.exports.list_export) or in the background
(tenancy.tasks.export_prepare); both find it registered by BillingConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.filters_payments import PaymentFilter
from billing.selectors import payment_list
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

PAYMENT_HEADER = [
    gettext_noop("Received on"),
    gettext_noop("Account"),
    gettext_noop("Currency"),
    gettext_noop("Amount"),
    gettext_noop("Method"),
    gettext_noop("Reference"),
    gettext_noop("Allocated"),
    gettext_noop("Unallocated"),
    gettext_noop("Reversed on"),
    gettext_noop("Reversal reason"),
]


def payment_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> PaymentFilter:
    """The payments `membership` sees, filtered and sorted by `query`: what the list and its
    exports show (the API list filters with the same FilterSet and pages by id)."""
    queryset = payment_list(organization=organization, membership=membership)
    return PaymentFilter(query, queryset=queryset, organization=organization, membership=membership)


def payment_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    payments = payment_filter(organization=organization, membership=membership, query=query).qs
    rows = (
        [
            p.received_on,
            p.account.name,
            p.currency,
            p.amount,
            p.get_method_display(),
            p.reference,
            p.allocated,
            p.unallocated,
            p.reversed_on,
            p.reversal_reason,
        ]
        for p in payments.iterator(chunk_size=500)
    )
    filename = f"payments-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Payments"), [_(h) for h in PAYMENT_HEADER], payments.count(), rows)
