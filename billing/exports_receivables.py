"""The receivables page's export: its rows, in its order, with its columns, and its totals
(per currency, and in the base currency when the rows are in several), whether built while the
person waits (tenancy.exports.list_export) or in the background (tenancy.tasks.export_prepare);
both find it registered by BillingConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.filters_receivables import receivables_filter, receivables_report
from billing.receivables import BUCKET_CHOICES, AgingAmounts, Group
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

GROUP_HEADER = {
    Group.ACCOUNT: [gettext_noop("Account"), gettext_noop("Client"), gettext_noop("Owner"), gettext_noop("Team")],
    Group.OWNER: [gettext_noop("Account executive")],
    Group.TEAM: [gettext_noop("Team")],
}
AMOUNTS_HEADER = [gettext_noop("Outstanding"), gettext_noop("Overdue"), gettext_noop("Credit"), gettext_noop("Balance")]


def _amounts(amounts: AgingAmounts) -> list:
    return [*amounts.buckets, amounts.outstanding, amounts.overdue, amounts.credit, amounts.balance]


def receivables_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    report = receivables_report(receivables_filter(organization=organization, membership=membership, query=query))
    aging = report.aging
    group_header = GROUP_HEADER[aging.group]
    header = [
        *(_(h) for h in group_header),
        _("Currency"),
        *(str(label) for _key, label in BUCKET_CHOICES),
        *(_(h) for h in AMOUNTS_HEADER),
    ]
    blank = [""] * (len(group_header) - 1)
    names = {
        Group.ACCOUNT: lambda row: [row.name, row.client_name, row.owner_name, row.team_name],
        Group.OWNER: lambda row: [row.name],
        Group.TEAM: lambda row: [row.name],
    }[aging.group]
    rows = [[*names(row), row.currency, *_amounts(row.amounts)] for row in aging.rows]
    rows += [[_("Total"), *blank, total.currency, *_amounts(total.amounts)] for total in aging.totals]
    if aging.has_other_currencies:
        label = _("Total in %(currency)s at the documents' rates") % {"currency": aging.base_currency}
        rows.append([label, *blank, aging.base_currency, *_amounts(aging.base_total)])
    filename = f"receivables-{organization.slug}-{aging.as_of.isoformat()}"
    return ExportRows(filename, _("Receivables"), header, len(rows), rows)
