"""The exports of the portfolio and of the incidents list: the same rows, in the same order,
whether they are built while the person waits (accounts.views) or in the background
(tenancy.tasks.export_prepare, which finds them registered by AccountsConfig.ready)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import selectors
from accounts.filters import AccountFilter, IncidentFilter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

PORTFOLIO_HEADER = [
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Owner"),
    gettext_noop("Team"),
    gettext_noop("Status"),
    gettext_noop("Tier"),
    gettext_noop("Risk rating"),
    gettext_noop("Currency"),
    gettext_noop("Credit limit"),
    gettext_noop("Payment terms (days)"),
    gettext_noop("Last activity"),
    gettext_noop("Overdue next steps"),
]
INCIDENT_HEADER = [
    gettext_noop("Incident"),
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Severity"),
    gettext_noop("Status"),
    gettext_noop("Assignee"),
    gettext_noop("Opened"),
    gettext_noop("SLA due"),
    gettext_noop("Resolved"),
    gettext_noop("Past its SLA"),
]


def portfolio_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> AccountFilter:
    queryset = selectors.portfolio_list(organization=organization, membership=membership)
    return AccountFilter(query, queryset=queryset, organization=organization, membership=membership)


def incident_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> IncidentFilter:
    data = query.copy()
    data.setdefault("status", "unresolved")
    queryset = selectors.incident_list(organization=organization, membership=membership)
    return IncidentFilter(data, queryset=queryset, organization=organization, membership=membership)


def portfolio_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    accounts = portfolio_filter(organization=organization, membership=membership, query=query).qs
    rows = (
        [
            a.name,
            a.client.display_name,
            a.owner_name,
            a.sales_team_name or "",
            a.get_status_display(),
            a.get_tier_display(),
            a.get_risk_rating_display(),
            a.currency,
            a.credit_limit,
            a.payment_terms_days,
            a.last_activity_at,
            _("yes") if a.has_overdue_next_steps else _("no"),
        ]
        for a in accounts.iterator(chunk_size=500)
    )
    return ExportRows("portfolio", _("Portfolio"), [_(h) for h in PORTFOLIO_HEADER], accounts.count(), rows)


def incident_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    incidents = incident_filter(organization=organization, membership=membership, query=query).qs
    rows = (
        [
            i.title,
            i.account.name,
            i.account.client.display_name,
            i.get_severity_display(),
            i.get_status_display(),
            i.assignee.user.full_name if i.assignee else "",
            i.opened_at,
            i.sla_due_at,
            i.resolved_at,
            _("yes") if i.is_overdue_now else _("no"),
        ]
        for i in incidents.iterator(chunk_size=500)
    )
    return ExportRows("incidents", _("Incidents"), [_(h) for h in INCIDENT_HEADER], incidents.count(), rows)
