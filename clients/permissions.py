"""Who may see and change the client directory.

The directory is the whole organisation's: every member reads it (being a member is the whole
rule, and the tenant middleware and IsTenantMember decide it), clients and their contacts alike.
Finance only reads it; admins, sales leads and account executives also keep it. What is
private per person is the accounts, which the accounts app decides."""

from __future__ import annotations

from tenancy.models import Membership


def can_change_clients(membership: Membership) -> bool:
    return membership.is_active and (membership.is_admin or membership.is_sales_lead or membership.is_account_executive)
