"""The exports of billing's lists: the same rows, in the same order, as each list shows, whether
built while the person waits (tenancy.exports.list_export) or in the background
(tenancy.tasks.export_prepare); both find them registered by BillingConfig.ready. Each reads
as the person who asked: only the accounts they see."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import selectors
from billing.filters import CreditNoteFilter, InvoiceFilter
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization

INVOICE_HEADER = [
    gettext_noop("Number"),
    gettext_noop("Status"),
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Issue date"),
    gettext_noop("Due date"),
    gettext_noop("Currency"),
    gettext_noop("Net"),
    gettext_noop("Tax"),
    gettext_noop("Total"),
    gettext_noop("Outstanding"),
    gettext_noop("Overdue"),
]
CREDIT_NOTE_HEADER = [
    gettext_noop("Number"),
    gettext_noop("Invoice"),
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Issue date"),
    gettext_noop("Reason"),
    gettext_noop("Currency"),
    gettext_noop("Net"),
    gettext_noop("Tax"),
    gettext_noop("Total"),
]


def invoice_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> InvoiceFilter:
    """The invoices `membership` sees, filtered and sorted by `query`: what the list and its
    exports show (the API list filters with the same FilterSet and pages by id)."""
    invoices = selectors.invoice_list(organization=organization, membership=membership)
    return InvoiceFilter(query, queryset=invoices, organization=organization, membership=membership)


def credit_note_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> CreditNoteFilter:
    notes = selectors.credit_note_list(organization=organization, membership=membership)
    return CreditNoteFilter(query, queryset=notes, organization=organization, membership=membership)


def invoice_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    invoices = invoice_filter(organization=organization, membership=membership, query=query).qs
    total = invoices.count()
    yes, no = _("yes"), _("no")
    rows = (
        [
            invoice.number or "",
            invoice.get_status_display(),
            invoice.account.name,
            invoice.account.client.display_name,
            invoice.issue_date,
            invoice.due_date,
            invoice.currency,
            invoice.net_total,
            invoice.tax_total,
            invoice.total,
            invoice.outstanding,
            yes if invoice.is_overdue else no,
        ]
        for invoice in invoices.iterator(chunk_size=2000)
    )
    filename = f"invoices-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Invoices"), [_(h) for h in INVOICE_HEADER], total, rows)


def credit_note_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    notes = credit_note_filter(organization=organization, membership=membership, query=query).qs
    total = notes.count()
    rows = (
        [
            note.number,
            note.invoice.number,
            note.account.name,
            note.account.client.display_name,
            note.issue_date,
            note.reason,
            note.currency,
            note.net_total,
            note.tax_total,
            note.total,
        ]
        for note in notes.iterator(chunk_size=2000)
    )
    filename = f"credit-notes-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Credit notes"), [_(h) for h in CREDIT_NOTE_HEADER], total, rows)
