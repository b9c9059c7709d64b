"""The export of the client directory: the same rows, in the same order, as the list shows,
whether built while the person waits (tenancy.exports.list_export) or in the background
(tenancy.tasks.export_prepare); both find it registered by ClientsConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clients import selectors
from clients.filters import ClientFilter
from clients.models import ClientStatus, Sector
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization
from tenancy.text import choice_labels

CLIENT_HEADER = [
    gettext_noop("Legal name"),
    gettext_noop("Trade name"),
    gettext_noop("Tax id"),
    gettext_noop("Sector"),
    gettext_noop("City"),
    gettext_noop("Status"),
    gettext_noop("Contacts"),
]


def client_filter(*, organization: Organization, query: QueryDict) -> ClientFilter:
    """The directory filtered and sorted by `query`: what the list and its exports show (the API
    list filters with the same FilterSet and pages by id)."""
    return ClientFilter(query, queryset=selectors.client_list(organization=organization))


def client_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    # Every member sees the whole directory (clients.permissions), so `membership` narrows
    # nothing. A directory has hundreds of clients, not millions: one query reads them all (as
    # values, not model instances), and their number is the total.
    clients = list(
        client_filter(organization=organization, query=query).qs.values_list(
            "legal_name", "trade_name", "tax_id", "sector", "city", "status", "contact_count"
        )
    )
    # Each label translated once for the whole file, not once per row.
    sectors, statuses = choice_labels(Sector), choice_labels(ClientStatus)
    rows = (
        [
            legal_name,
            trade_name,
            tax_id,
            sectors.get(sector, sector),
            city,
            statuses.get(status, status),
            contact_count,
        ]
        for legal_name, trade_name, tax_id, sector, city, status, contact_count in clients
    )
    filename = f"clients-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Clients"), [_(h) for h in CLIENT_HEADER], len(clients), rows)
