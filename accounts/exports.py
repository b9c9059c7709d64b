"""The exports of the portfolio and of the incidents list: the same rows, in the same order,
whether they are built while the person waits (accounts.views) or in the background
(tenancy.tasks.export_prepare, which finds them registered by AccountsConfig.ready)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import selectors
from accounts.filters import AccountFilter, IncidentFilter
from accounts.models import AccountStatus, IncidentStatus, RiskRating, Severity, Tier
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization
from tenancy.text import choice_labels

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


# What an exported portfolio row reads: values, not model instances (an export has thousands),
# and the owner's and team's names through joins (the page's subqueries run once per row).
PORTFOLIO_COLUMNS = (
    "name",
    "client__legal_name",
    "client__trade_name",
    "owner__user__full_name",
    "sales_team__name",
    "status",
    "tier",
    "risk_rating",
    "currency",
    "credit_limit",
    "payment_terms_days",
    "last_activity_at",
    "has_overdue_next_steps",
)
INCIDENT_COLUMNS = (
    "title",
    "account__name",
    "account__client__legal_name",
    "account__client__trade_name",
    "severity",
    "status",
    "assignee__user__full_name",
    "opened_at",
    "sla_due_at",
    "resolved_at",
    "is_overdue_now",
)
CHUNK = 2000  # rows read from the database at a time


def portfolio_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    accounts = portfolio_filter(organization=organization, membership=membership, query=query).qs
    # Each label translated once for the whole file, not once per row.
    status, tier, risk = choice_labels(AccountStatus), choice_labels(Tier), choice_labels(RiskRating)
    yes, no = _("yes"), _("no")
    rows = (
        [
            name,
            trade_name or legal_name,  # the client's display_name
            owner_name,
            sales_team_name or "",
            status.get(status_value, status_value),
            tier.get(tier_value, tier_value),
            risk.get(risk_value, risk_value),
            currency,
            credit_limit,
            payment_terms_days,
            last_activity_at,
            yes if overdue else no,
        ]
        for (
            name,
            legal_name,
            trade_name,
            owner_name,
            sales_team_name,
            status_value,
            tier_value,
            risk_value,
            currency,
            credit_limit,
            payment_terms_days,
            last_activity_at,
            overdue,
        ) in accounts.values_list(*PORTFOLIO_COLUMNS).iterator(chunk_size=CHUNK)
    )
    return ExportRows("portfolio", _("Portfolio"), [_(h) for h in PORTFOLIO_HEADER], accounts.count(), rows)


def incident_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    incidents = incident_filter(organization=organization, membership=membership, query=query).qs
    severity, status = choice_labels(Severity), choice_labels(IncidentStatus)
    yes, no = _("yes"), _("no")
    rows = (
        [
            title,
            account_name,
            trade_name or legal_name,  # the client's display_name
            severity.get(severity_value, severity_value),
            status.get(status_value, status_value),
            assignee_name or "",
            opened_at,
            sla_due_at,
            resolved_at,
            yes if overdue else no,
        ]
        for (
            title,
            account_name,
            legal_name,
            trade_name,
            severity_value,
            status_value,
            assignee_name,
            opened_at,
            sla_due_at,
            resolved_at,
            overdue,
        ) in incidents.values_list(*INCIDENT_COLUMNS).iterator(chunk_size=CHUNK)
    )
    return ExportRows("incidents", _("Incidents"), [_(h) for h in INCIDENT_HEADER], incidents.count(), rows)
