"""Reads of finance's risk policy and of what an account owes: what offers are graded against.

- The policy in force is the organisation's highest version; every version is kept, never
  changed (billing.models.RiskPolicy), with what changed from the one before.
- An account's exposure, in its currency, for any number of accounts in one statement, read
  the way the aging reads what is open (billing.selectors._aging_rows): each invoice's credit
  notes and the allocations that count on the day are summed once per invoice and joined to
  the invoices, and each payment's allocations once per payment. Billing knows nothing of
  orders and offers: the offers add those to the receivable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet

from accounts.models import Account
from billing.models import RISK_POLICY_RULES, Allocation, CreditNote, Invoice, InvoiceStatus, Payment, RiskPolicy
from billing.totals import ZERO, cents
from tenancy.models import Organization

# --- The policy ----------------------------------------------------------------------------------


def risk_policy_versions(*, organization: Organization) -> QuerySet[RiskPolicy]:
    """Every version, newest first, with who saved it (their name without another query)."""
    return RiskPolicy.objects.filter(organization=organization).select_related("created_by__user").order_by("-version")


def risk_policy_current(*, organization: Organization) -> RiskPolicy:
    """The version in force: the highest. Every organisation has version 1 from its creation
    (billing.services_risk.risk_policy_ensure_default); RiskPolicy.DoesNotExist otherwise."""
    policy = risk_policy_versions(organization=organization).first()
    if policy is None:
        raise RiskPolicy.DoesNotExist("This organisation has no risk policy.")
    return policy


@dataclass(frozen=True)
class RuleChange:
    rule: str  # a field of RISK_POLICY_RULES
    before: object
    after: object


def risk_policy_changes(policy: RiskPolicy, previous: RiskPolicy | None) -> list[RuleChange]:
    """What `policy` changed from `previous` (nothing for the first version), rule by rule."""
    if previous is None:
        return []
    return [
        RuleChange(name, getattr(previous, name), getattr(policy, name))
        for name in RISK_POLICY_RULES
        if getattr(previous, name) != getattr(policy, name)
    ]


@dataclass(frozen=True)
class VersionWithChanges:
    policy: RiskPolicy
    changes: list[RuleChange]


def risk_policy_history(*, organization: Organization, versions: Iterable[RiskPolicy]) -> list[VersionWithChanges]:
    """`versions` (a page of risk_policy_versions, newest first) each with what it changed from
    the version before it; the one before the oldest of the page is read with one query."""
    versions = list(versions)
    previous_of_oldest = None
    if versions and versions[-1].version > 1:
        previous_of_oldest = (
            RiskPolicy.objects.filter(organization=organization, version__lt=versions[-1].version)
            .order_by("-version")
            .first()
        )
    befores = [*versions[1:], previous_of_oldest]
    return [VersionWithChanges(v, risk_policy_changes(v, before)) for v, before in zip(versions, befores, strict=True)]


# --- What an account owes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """What an account owes on a day, in its currency.

    `receivable`: what is outstanding on its issued invoices (total − credit notes − the
    payments allocated to them that count); `unallocated_credit`: what its payments that count
    have left to allocate; `balance` = receivable − credit (the ledger's balance); `overdue`:
    outstanding on invoices past their due date; `overdue_beyond`: on invoices more than the
    asked number of days past it; `oldest_overdue_days`: how late the oldest overdue invoice is
    (None when nothing is overdue)."""

    receivable: Decimal = ZERO
    unallocated_credit: Decimal = ZERO
    balance: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_beyond: Decimal = ZERO
    oldest_overdue_days: int | None = None


def _decimal(value) -> Decimal:
    """A sum to the cent (PostgreSQL's numeric is exact already; SQLite's comes as a float)."""
    if value is None:
        return ZERO
    return cents(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def account_exposure(
    *, organization: Organization, account_ids: Iterable[int], as_of: date, overdue_days: int
) -> dict[int, Exposure]:
    """{account id: Exposure} on `as_of` for the accounts of `organization` among `account_ids`
    (ids of no account of it are left out; an account that owes nothing gets a zero Exposure).

    One statement whatever the number of accounts and invoices. As of a day, as the statements
    and the aging read it: documents dated by `as_of`, an allocation counting from its
    `allocated_on` until the day it ended, excluded; a payment counting until it was reversed.
    Only documents in the account's currency (an account has one)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    accounts = Account.objects.filter(organization=organization, pk__in=ids).order_by()
    accounts_sql, accounts_params = accounts.values("pk").query.sql_with_params()
    beyond = as_of.toordinal() - overdue_days
    beyond_day = date.fromordinal(beyond) if beyond >= 1 else date.min
    tables = {
        "account": Account._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "credit_note": CreditNote._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "payment": Payment._meta.db_table,
    }
    counts = "allocated_on <= %s AND (reversed_on IS NULL OR reversed_on > %s)"
    sql = f"""
        SELECT a.id, r.receivable, r.overdue, r.overdue_beyond, r.oldest_due, p.unallocated
        FROM {tables["account"]} a
        LEFT JOIN (
            SELECT x.account_id,
                   SUM(x.outstanding) AS receivable,
                   SUM(CASE WHEN x.due < %s THEN x.outstanding ELSE 0 END) AS overdue,
                   SUM(CASE WHEN x.due < %s THEN x.outstanding ELSE 0 END) AS overdue_beyond,
                   MIN(CASE WHEN x.due < %s THEN x.due END) AS oldest_due
            FROM (
                SELECT i.account_id, i.due_date AS due,
                       i.total - COALESCE(c.s, 0) - COALESCE(al.s, 0) AS outstanding
                FROM {tables["invoice"]} i
                JOIN {tables["account"]} ia ON ia.id = i.account_id AND ia.currency = i.currency
                LEFT JOIN (
                    SELECT invoice_id, SUM(total) AS s FROM {tables["credit_note"]}
                    WHERE organization_id = %s AND issue_date <= %s AND account_id IN ({accounts_sql})
                    GROUP BY invoice_id
                ) c ON c.invoice_id = i.id
                LEFT JOIN (
                    SELECT invoice_id, SUM(amount) AS s FROM {tables["allocation"]}
                    WHERE organization_id = %s AND {counts}
                      AND invoice_id IN (
                          SELECT id FROM {tables["invoice"]}
                          WHERE organization_id = %s AND account_id IN ({accounts_sql})
                      )
                    GROUP BY invoice_id
                ) al ON al.invoice_id = i.id
                WHERE i.organization_id = %s AND i.status = %s AND i.issue_date <= %s
                  AND i.account_id IN ({accounts_sql})
            ) x
            WHERE x.outstanding > 0
            GROUP BY x.account_id
        ) r ON r.account_id = a.id
        LEFT JOIN (
            SELECT pay.account_id, SUM(pay.amount - COALESCE(pa.s, 0)) AS unallocated
            FROM {tables["payment"]} pay
            JOIN {tables["account"]} pacc ON pacc.id = pay.account_id AND pacc.currency = pay.currency
            LEFT JOIN (
                SELECT payment_id, SUM(amount) AS s FROM {tables["allocation"]}
                WHERE organization_id = %s AND {counts}
                  AND payment_id IN (
                      SELECT id FROM {tables["payment"]}
                      WHERE organization_id = %s AND account_id IN ({accounts_sql})
                  )
                GROUP BY payment_id
            ) pa ON pa.payment_id = pay.id
            WHERE pay.organization_id = %s AND pay.received_on <= %s
              AND (pay.reversed_on IS NULL OR pay.reversed_on > %s)
              AND pay.account_id IN ({accounts_sql})
            GROUP BY pay.account_id
        ) p ON p.account_id = a.id
        WHERE a.organization_id = %s AND a.id IN ({accounts_sql})
    """
    org = organization.pk
    params = [
        as_of,
        beyond_day,
        as_of,
        *(org, as_of, *accounts_params),
        *(org, as_of, as_of, org, *accounts_params),
        *(org, InvoiceStatus.ISSUED.value, as_of, *accounts_params),
        *(org, as_of, as_of, org, *accounts_params),
        *(org, as_of, as_of, *accounts_params),
        *(org, *accounts_params),
    ]
    with connections[accounts.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for account_id, receivable, overdue, overdue_beyond, oldest_due, unallocated in rows:
        receivable, credit = _decimal(receivable), _decimal(unallocated)
        oldest = _day(oldest_due)
        result[account_id] = Exposure(
            receivable=receivable,
            unallocated_credit=credit,
            balance=receivable - credit,
            overdue=_decimal(overdue),
            overdue_beyond=_decimal(overdue_beyond),
            oldest_overdue_days=(as_of - oldest).days if oldest else None,
        )
    return result
