"""Who may see and do what in billing, written once: views ask it what to show, services
enforce it.

Finance keeps the books: it creates, edits, issues and credits invoices, records, allocates and
reverses payments, and sets the billing settings. Everyone else reads the billing of the
accounts they see (accounts.permissions: an account executive their own accounts, a sales lead
their teams', admins and finance every account); nobody but finance writes, admins included.
"""

from __future__ import annotations

from accounts.models import Account
from accounts.permissions import can_see_account, can_see_every_account, leadership
from billing.models import CreditNote, Invoice, Payment
from tenancy.models import Membership, Team


def keeps_the_books(membership: Membership) -> bool:
    return membership.is_active and membership.is_finance


# --- Reading --------------------------------------------------------------------------------


def can_see_billing_of(membership: Membership, account: Account) -> bool:
    """The invoices, credit notes, payments and statements of `account`: whoever sees it (one
    query for an account executive or a lead, none for finance and admins)."""
    return can_see_account(membership, account)


def can_see_all_billing(membership: Membership) -> bool:
    """The whole organisation's receivables (the tenant's aging, every account's statement)."""
    return can_see_every_account(membership)


def can_see_invoice(membership: Membership, invoice: Invoice) -> bool:
    return can_see_billing_of(membership, invoice.account)


def can_see_credit_note(membership: Membership, credit_note: CreditNote) -> bool:
    return can_see_billing_of(membership, credit_note.account)


def can_see_payment(membership: Membership, payment: Payment) -> bool:
    return can_see_billing_of(membership, payment.account)


# --- Writing: finance ---------------------------------------------------------------------------


def can_create_invoice(membership: Membership, account: Account | None = None) -> bool:
    """Create a draft, change it, add, change and remove its lines, delete it."""
    return keeps_the_books(membership)


def can_issue_invoice(membership: Membership, invoice: Invoice | None = None) -> bool:
    return keeps_the_books(membership)


def can_credit_invoice(membership: Membership, invoice: Invoice | None = None) -> bool:
    return keeps_the_books(membership)


def can_record_payment(membership: Membership, account: Account | None = None) -> bool:
    return keeps_the_books(membership)


def can_allocate_payment(membership: Membership, payment: Payment | None = None) -> bool:
    return keeps_the_books(membership)


def can_reverse_payment(membership: Membership, payment: Payment | None = None) -> bool:
    return keeps_the_books(membership)


def can_change_billing_settings(membership: Membership) -> bool:
    return keeps_the_books(membership)


# --- Statements ---------------------------------------------------------------------------------


def can_send_statement(membership: Membership, account: Account) -> bool:
    """Mail an account's statement to its finance contact: the account executives, sales leads
    and finance who see the account (admins read it, as everything, but do not write to clients)."""
    return (
        membership.is_active
        and (membership.is_account_executive or membership.is_sales_lead or membership.is_finance)
        and can_see_billing_of(membership, account)
    )


def can_request_statements_of_everyone(membership: Membership) -> bool:
    """The statements of every account of the organisation, in one batch."""
    return can_see_all_billing(membership)


def can_request_statements_of_team(membership: Membership, team: Team) -> bool:
    """The statements of every account of a team, in one batch: who sees every account, and the
    team's leads (one query for a lead, read once per request's membership)."""
    if can_see_all_billing(membership):
        return True
    return membership.is_sales_lead and team.pk in leadership(membership).team_ids


# --- The risk policy ----------------------------------------------------------------------------


def can_see_risk_policy(membership: Membership) -> bool:
    """Everyone reads the rules their offers are graded against."""
    return membership.is_active


def can_change_risk_policy(membership: Membership) -> bool:
    """Finance defines the risk an offer may carry: a new version (finance alone, not admins)."""
    return keeps_the_books(membership)
