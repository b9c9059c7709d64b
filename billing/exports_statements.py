"""The export of the Statements page (its accounts, balances and last movements): the same rows,
in the same order, as the list shows, at once or in the background (tenancy.exports); found
registered by BillingConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.views_statements import statement_filter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

STATEMENT_LIST_HEADER = [
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Tax id"),
    gettext_noop("Team"),
    gettext_noop("Currency"),
    gettext_noop("Balance"),
    gettext_noop("Last movement"),
]


def statement_list_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    accounts = statement_filter(organization=organization, membership=membership, query=query).qs
    total = accounts.count()
    rows = (
        [
            a.name,
            a.client.legal_name,
            a.client.tax_id,
            a.sales_team.name if a.sales_team else "",
            a.currency,
            a.balance,
            a.last_entry_on,
        ]
        for a in accounts.iterator(chunk_size=500)
    )
    filename = f"statements-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Statements"), [_(h) for h in STATEMENT_LIST_HEADER], total, rows)
