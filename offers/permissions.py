"""Who may see and do what with offers, written once: views ask it what to show, services
enforce it.

Whoever sees an account sees its offers (accounts.permissions). An account executive drafts,
changes, submits and sends offers on the accounts they work (owner or account team), a sales lead
on the accounts of the teams they lead. Commercial terms outside the policy are approved by the
account's sales lead, financial risk outside it by finance; nobody approves an offer they drafted
or own.
"""

from __future__ import annotations

from accounts.models import Account
from accounts.permissions import can_see_account, leads_account
from offers.models import ApprovalKind, Offer
from tenancy.models import Membership


def can_see_offer(membership: Membership, offer: Offer) -> bool:
    return can_see_account(membership, offer.account)


def can_change_offer_settings(membership: Membership) -> bool:
    """The probabilities by stage, the days of validity and the lead-time warning: the
    organisation's admins (tenant settings)."""
    return membership.is_active and membership.is_admin


def can_draft_offer(membership: Membership, account: Account) -> bool:
    """An account executive on an account they see (own, or on its account team); a sales lead
    on an account of the teams they lead."""
    if not membership.is_active:
        return False
    if membership.is_sales_lead and leads_account(membership, account):
        return True
    return membership.is_account_executive and can_see_account(membership, account)


def can_work_offer(membership: Membership, offer: Offer) -> bool:
    """Change, submit, send, revise, win, lose or withdraw it: its owner, or whoever may draft on
    its account."""
    return offer.owner_id == membership.pk or can_draft_offer(membership, offer.account)


def can_decide_offer(membership: Membership, offer: Offer, kind: str) -> bool:
    """Approve or reject the `kind` of terms the grade sent for approval."""
    if not membership.is_active or offer.owner_id == membership.pk:
        return False
    if kind == ApprovalKind.COMMERCIAL:
        return leads_account(membership, offer.account)
    return membership.is_finance
