"""Who may see and change the catalogue.

Every member of the organisation reads it: account executives quote from it, sales leads
plan with it, finance invoices with it (being an active member is the whole rule, and the
tenant middleware and IsTenantMember decide it). Admins and finance keep it: products, their
prices and costs, their lifecycle, the categories and the tax rates."""

from __future__ import annotations

from tenancy.models import Membership


def can_change_catalog(membership: Membership | None, obj=None) -> bool:
    return membership is not None and membership.is_active and (membership.is_admin or membership.is_finance)
