"""Receivables: what the accounts owe, by how late it is, for the receivables page and its API:
the aging of the accounts a person sees and filters, grouped by account, account executive or
team, with each row's unallocated credit and balance, the totals per currency and in the base
currency, in the order asked for. (billing.selectors keeps the DSO and each account's billing
summary; its own aging, of everything a person sees, is what statements show.)

The rules are billing.selectors' (its module notes): an invoice's outstanding amount as of a
date is its total less the credit notes dated by then and the allocations that count then, never
below zero; overdue is derived from the due date at read time. Aging buckets, by days past the
due date as of the date asked about (ERPNext and Odoo count the same way):

    current   not due yet, or due that day (0 days or fewer)
    1–30, 31–60, 61–90, 91–120, over 120

An account's unallocated payments (received by then, not reversed by then, less what is
allocated of them then) are its credit: outstanding − credit is its ledger balance, to the cent.

Multi-currency: each row is in one currency (an account has one; a row of an account executive
or a team has one per currency of their accounts). Amounts in the organisation's base currency
are converted document by document at the rate stored on the document, rounded half-up to the
cent, as the ledger stores them.

Set-based: aging() is one SQL statement whatever the number of accounts, invoices and payments
(credit notes and allocations aggregated once and joined to the invoices, not a subquery per
invoice), and its totals come from the same statement (GROUPING SETS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment
from billing.selectors import BUCKET_LABELS, BUCKETS, Aging
from billing.totals import ZERO, cents
from clients.models import Client
from tenancy.models import Membership, Organization, Team, User

# --- Aging ------------------------------------------------------------------------------------

# billing.selectors' buckets, with the last day past due each holds (None: open-ended).
LAST_DAYS = dict(zip(BUCKETS, (0, 30, 60, 90, 120, None), strict=True))
BUCKET_CHOICES = [(key, BUCKET_LABELS[key]) for key in BUCKETS]


class Group:
    ACCOUNT = "account"
    OWNER = "owner"
    TEAM = "team"

    CHOICES = [(ACCOUNT, _("Account")), (OWNER, _("Account executive")), (TEAM, _("Team"))]


@dataclass(frozen=True, slots=True)
class AgingAmounts:
    """The buckets of what is open and the unallocated credit, in one currency."""

    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def buckets(self) -> list[Decimal]:
        return [getattr(self, key) for key in BUCKETS]

    @property
    def aging(self) -> Aging:
        """The buckets as billing.selectors.aging gives them."""
        return Aging(**{key: getattr(self, key) for key in BUCKETS})

    @property
    def outstanding(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.outstanding - self.current

    @property
    def balance(self) -> Decimal:
        """What the account owes, net of its credit: its ledger balance."""
        return self.outstanding - self.credit


AMOUNT_FIELDS = tuple(f.name for f in fields(AgingAmounts))


@dataclass(frozen=True, slots=True)
class AgingRow:
    """An account, an account executive or a team, in one currency (`key`: its id; None for a
    team row of the accounts without a team). The client, owner and team names are an
    account row's."""

    key: int | None
    name: str
    currency: str
    amounts: AgingAmounts
    base: AgingAmounts
    client_name: str = ""
    owner_name: str = ""
    team_name: str = ""


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    amounts: AgingAmounts
    base: AgingAmounts


@dataclass(frozen=True)
class AgingReport:
    as_of: date
    group: str
    base_currency: str
    rows: list[AgingRow]
    totals: list[CurrencyTotal]  # one per currency of the rows, by currency
    base_total: AgingAmounts  # every row, in the base currency

    @property
    def has_other_currencies(self) -> bool:
        return any(total.currency != self.base_currency for total in self.totals)


# Sort keys: the group's name, or an amount (compared in the base currency, so that rows in
# different currencies sort by what they are worth). `-key`: descending.
AMOUNT_SORTS = (*AMOUNT_FIELDS, "outstanding", "overdue", "balance")
SORTS = ("name", *AMOUNT_SORTS)
DEFAULT_SORT = "-overdue"

# A document's bucket by its number of days late (`late`), numbered in BUCKETS' order.
_BUCKET_CASE = (
    "CASE "
    + " ".join(f"WHEN late <= {LAST_DAYS[key]} THEN {n}" for n, key in enumerate(BUCKETS) if LAST_DAYS[key] is not None)
    + f" ELSE {len(BUCKETS) - 1} END"
)
CREDIT = len(BUCKETS)  # the bucket number of unallocated credit


def _positional(template: str, values: dict[str, object], fragments: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """`template` with each {name} of `values` as a %s parameter (in order of appearance) and
    each {name} of `fragments` as that SQL, its parameters in place."""
    params: list = []

    def place(match: re.Match) -> str:
        name = match.group(1)
        if name in fragments:
            sql, fragment_params = fragments[name]
            params.extend(fragment_params)
            return sql
        params.append(values[name])
        return "%s"

    return re.sub(r"\{(\w+)\}", place, template), params


def _table(model) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


def _sums(prefix: str, column: str) -> str:
    return ",\n            ".join(
        f"SUM({column}) FILTER (WHERE bucket = {number}) AS {prefix}{number}" for number in range(CREDIT + 1)
    )


def _allocated(column: str) -> str:
    """What is allocated, as of the date asked about, per invoice or per payment (`column`).

    Summed straight from the table, not from a shared CTE of the active allocations: PostgreSQL
    knows nothing of a CTE's columns, guessed 200 groups for 90,000 and spilled the hash to disk,
    twice; from the table it counts the groups from its statistics."""
    return f"""
            SELECT {column}, SUM(amount) AS amount FROM {_table(Allocation)}
            WHERE organization_id = {{org}} AND allocated_on <= {{as_of}}
              AND (reversed_on IS NULL OR reversed_on > {{as_of}})
            GROUP BY {column}
        """


def _group_columns(group: str) -> list[tuple[str, str]]:
    """(SQL expression, name) of the row's key and names, per group."""
    if group == Group.ACCOUNT:
        return [
            ("a.id", "key"),
            ("a.name", "name"),
            ("COALESCE(NULLIF(c.trade_name, ''), c.legal_name)", "client_name"),
            ("u.full_name", "owner_name"),
            ("t.name", "team_name"),
        ]
    if group == Group.OWNER:
        return [("a.owner_id", "key"), ("u.full_name", "name")]
    if group == Group.TEAM:
        return [("a.sales_team_id", "key"), ("t.name", "name")]
    raise ValueError(f"Unknown aging group {group!r}")


def _order(sort: str, group_columns: list[tuple[str, str]]) -> str:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT.startswith("-")
    direction = "DESC" if descending else "ASC"
    name, row_key = group_columns[1][0], group_columns[0][0]
    if key == "name":
        return f"{name} {direction} NULLS LAST, a.currency, {row_key}"
    if key in AMOUNT_FIELDS:
        amount = f"SUM(base{AMOUNT_FIELDS.index(key)})"
    else:
        bucket_sums = {
            "outstanding": range(CREDIT),
            "overdue": range(1, CREDIT),
            "balance": range(CREDIT),
        }[key]
        amount = " + ".join(f"COALESCE(SUM(base{n}), 0)" for n in bucket_sums)
        if key == "balance":
            amount += f" - COALESCE(SUM(base{CREDIT}), 0)"
    return f"COALESCE({amount}, 0) {direction}, {name} NULLS LAST, a.currency, {row_key}"


def _amounts(values) -> AgingAmounts:
    return AgingAmounts(*(cents(value) if value is not None else ZERO for value in values))


def aging(
    *,
    organization: Organization,
    accounts: QuerySet[Account],
    as_of: date | None = None,
    group: str = Group.ACCOUNT,
    overdue: bool | None = None,
    sort: str = DEFAULT_SORT,
) -> AgingReport:
    """The aging of `accounts` (a queryset the caller has filtered to what the person may see
    and asked for) as of `as_of` (today by default), one row per group and currency, with the
    totals per currency and in the base currency: one query.

    Rows are the accounts with something open or some credit, grouped by account, by owner
    (account executive) or by sales team. `overdue`: True, only the accounts with something
    overdue; False, only those with nothing overdue; None, all. The totals add up the rows."""
    as_of = as_of or timezone.localdate()
    group_columns = _group_columns(group)
    select_group = ",\n        ".join(f"{sql} AS {name}" for sql, name in group_columns)
    group_by = ", ".join(sql for sql, _name in group_columns)
    having = ""
    if overdue is not None:
        late = " + ".join(f"COALESCE(SUM(amount) FILTER (WHERE bucket = {n}), 0)" for n in range(1, CREDIT))
        having = f"HAVING {late} {'>' if overdue else '='} 0"
    # The accounts asked about restrict the invoices and the payments directly (a semi-join), not
    # through a CTE of their ids: PostgreSQL cannot see a CTE's row count (it guessed 47 rows for
    # 2,000 and probed the invoices' index once per account instead of hashing them).
    template = f"""
    WITH open_invoices AS (
        SELECT i.account_id, i.rate_to_base AS rate, {{as_of}}::date - i.due_date AS late,
               GREATEST(i.total - COALESCE(cn.amount, 0) - COALESCE(al.amount, 0), 0) AS amount
        FROM {_table(Invoice)} i
        LEFT JOIN (
            SELECT invoice_id, SUM(total) AS amount FROM {_table(CreditNote)}
            WHERE organization_id = {{org}} AND issue_date <= {{as_of}} GROUP BY invoice_id
        ) cn ON cn.invoice_id = i.id
        LEFT JOIN ({_allocated("invoice_id")}) al ON al.invoice_id = i.id
        WHERE i.organization_id = {{org}} AND i.status = {{issued}} AND i.issue_date <= {{as_of}}
          AND i.account_id IN ({{visible}})
    ),
    credits AS (
        SELECT p.account_id, p.rate_to_base AS rate, p.amount - COALESCE(al.amount, 0) AS amount
        FROM {_table(Payment)} p
        LEFT JOIN ({_allocated("payment_id")}) al ON al.payment_id = p.id
        WHERE p.organization_id = {{org}} AND p.received_on <= {{as_of}}
          AND (p.reversed_on IS NULL OR p.reversed_on > {{as_of}})
          AND p.account_id IN ({{visible}})
    ),
    documents AS (
        SELECT account_id, {_BUCKET_CASE} AS bucket, amount, ROUND(amount * rate, 2) AS base
        FROM open_invoices WHERE amount > 0
        UNION ALL
        SELECT account_id, {CREDIT}, amount, ROUND(amount * rate, 2) FROM credits WHERE amount > 0
    ),
    per_account AS (
        SELECT account_id,
            {_sums("amount", "amount")},
            {_sums("base", "base")}
        FROM documents GROUP BY account_id
        {having}
    )
    SELECT GROUPING(a.currency) AS is_grand_total, GROUPING({group_columns[0][0]}) AS is_total,
        {select_group},
        a.currency,
        {", ".join(f"SUM(amount{n})" for n in range(CREDIT + 1))},
        {", ".join(f"SUM(base{n})" for n in range(CREDIT + 1))}
    FROM per_account pa
    JOIN {_table(Account)} a ON a.id = pa.account_id
    JOIN {_table(Client)} c ON c.id = a.client_id
    JOIN {_table(Membership)} m ON m.id = a.owner_id
    JOIN {_table(User)} u ON u.id = m.user_id
    LEFT JOIN {_table(Team)} t ON t.id = a.sales_team_id
    GROUP BY GROUPING SETS (({group_by}, a.currency), (a.currency), ())
    ORDER BY is_grand_total, is_total, {_order(sort, group_columns)}
    """
    visible = accounts.order_by().values("pk").query.sql_with_params()
    sql, params = _positional(
        template,
        {"org": organization.pk, "as_of": as_of, "issued": InvoiceStatus.ISSUED.value},
        {"visible": visible},
    )
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()
    names = [name for _sql, name in group_columns]
    rows, totals, base_total = [], [], AgingAmounts()
    width = CREDIT + 1
    for is_grand_total, is_total, *values in result:
        named = dict(zip(names, values[: len(names)], strict=True))
        currency = values[len(names)]
        amounts = _amounts(values[len(names) + 1 : len(names) + 1 + width])
        base = _amounts(values[len(names) + 1 + width :])
        if is_grand_total:
            base_total = base
        elif is_total:
            totals.append(CurrencyTotal(currency, amounts, base))
        else:
            rows.append(AgingRow(currency=currency, amounts=amounts, base=base, **named | _name_or_none(named)))
    return AgingReport(
        as_of, group, organization.base_currency, rows, sorted(totals, key=lambda t: t.currency), base_total
    )


def _name_or_none(named: dict) -> dict:
    """A team row of the accounts without a team has no name: it is said as such."""
    names = {key: named[key] or "" for key in ("client_name", "owner_name", "team_name") if key in named}
    return names | {"name": named["name"] if named["name"] is not None else str(_("No team"))}
