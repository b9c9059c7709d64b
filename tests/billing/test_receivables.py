"""billing.receivables.aging on the worked example (tests/billing/receivables_example.py): exact
buckets per group, the totals per currency and in the base currency, the credit and balance
beside them, the overdue filter and the sort, in one query; the same figures as billing.selectors'
aging and ledger; and the DSO of the filtered accounts."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.selectors import visible_accounts
from billing import selectors
from billing.receivables import AgingAmounts, AgingRow, CurrencyTotal, Group, aging
from tests.billing import receivables_example
from tests.billing.receivables_example import AS_OF

D = Decimal

PORTA = AgingAmounts(
    current=D("290.40"),
    days_1_30=D("480.80"),
    days_31_60=D("435.60"),
    days_61_90=D("580.80"),
    days_91_120=D("530.80"),
    over_120=D("290.40"),
    credit=D("75.00"),
)
THIRD = AgingAmounts(days_31_60=D("290.40"))
AE = AgingAmounts(
    current=D("290.40"),
    days_1_30=D("480.80"),
    days_31_60=D("726.00"),
    days_61_90=D("580.80"),
    days_91_120=D("530.80"),
    over_120=D("290.40"),
    credit=D("75.00"),
)
DOLLARS = AgingAmounts(current=D("314.60"))
DOLLARS_IN_EUR = AgingAmounts(current=D("283.14"))


@pytest.fixture
def example(world):
    return receivables_example.build(world)


def _aging(world, in_scope, membership=None, accounts=None, **asked):
    p = world.porta
    with in_scope(p.org):
        if accounts is None:
            accounts = visible_accounts(organization=p.org, membership=membership or p.finance)
        return aging(organization=p.org, accounts=accounts, as_of=AS_OF, **asked)


def _rows(example, p, group):
    return {
        Group.ACCOUNT: [
            AgingRow(p.account.pk, "Porta Account", "EUR", PORTA, PORTA, "Porta Client", "Ae Porta", p.team.name),
            AgingRow(example.third.pk, "Third account", "EUR", THIRD, THIRD, "Porta Client", "Ae Porta", p.team.name),
            AgingRow(example.dollars.pk, "Second account", "USD", DOLLARS, DOLLARS_IN_EUR, "Porta Client", "Ae2 Porta"),
        ],
        Group.OWNER: [
            AgingRow(p.ae.pk, "Ae Porta", "EUR", AE, AE),
            AgingRow(p.ae2.pk, "Ae2 Porta", "USD", DOLLARS, DOLLARS_IN_EUR),
        ],
        Group.TEAM: [
            AgingRow(p.team.pk, "Team Porta Digital", "EUR", AE, AE),
            AgingRow(None, "No team", "USD", DOLLARS, DOLLARS_IN_EUR),
        ],
    }[group]


@pytest.mark.parametrize("group", [Group.ACCOUNT, Group.OWNER, Group.TEAM])
def test_aging_buckets_by_days_past_due_exactly_per_group_in_one_query(
    world, in_scope, example, group, django_assert_num_queries
):
    # given the worked example: invoices due 0 … 121 days before AS_OF, paid in part, credited
    # in part, paid and bounced before AS_OF, paid by a payment bounced after it, paid after it
    p = world.porta
    # when finance reads the aging on AS_OF, grouped
    with in_scope(p.org):
        accounts = visible_accounts(organization=p.org, membership=p.finance)
        with django_assert_num_queries(1):
            result = aging(organization=p.org, accounts=accounts, as_of=AS_OF, group=group)
    # then each row, most overdue first, with the totals per currency and in euros
    assert result.rows == _rows(example, p, group)
    assert result.totals == [CurrencyTotal("EUR", AE, AE), CurrencyTotal("USD", DOLLARS, DOLLARS_IN_EUR)]
    assert result.base_total == AgingAmounts(
        current=D("573.54"),
        days_1_30=D("480.80"),
        days_31_60=D("726.00"),
        days_61_90=D("580.80"),
        days_91_120=D("530.80"),
        over_120=D("290.40"),
        credit=D("75.00"),
    )
    assert (result.as_of, result.group, result.base_currency, result.has_other_currencies) == (
        AS_OF,
        group,
        "EUR",
        True,
    )


def test_each_rows_outstanding_overdue_and_balance(world, in_scope, example):
    # 2,608.80 open on Porta Account, of which 2,318.40 overdue; its 75.00 of credit leaves
    # 2,533.80, its ledger balance on AS_OF
    p = world.porta
    with in_scope(p.org):
        ledger = selectors.account_balance(organization=p.org, account=p.account, as_of=AS_OF)
    assert (PORTA.outstanding, PORTA.overdue, PORTA.balance) == (D("2608.80"), D("2318.40"), D("2533.80"))
    assert ledger == {"EUR": PORTA.balance}


@pytest.mark.parametrize("group", ["account", "owner", "team"])
def test_the_buckets_are_billing_selectors_aging(world, in_scope, example, group):
    p = world.porta
    ours = _aging(world, in_scope, group=group)
    with in_scope(p.org):
        theirs = selectors.aging(organization=p.org, membership=p.finance, as_of=AS_OF, group_by=group)
    assert {(row.key, row.currency): (row.amounts.aging, row.base.aging) for row in ours.rows} == {
        (row.key, row.currency): (row.amounts, row.base) for row in theirs
    }


def test_the_aging_on_another_day_sees_the_documents_dated_by_then(world, in_scope, example):
    # on 5 July, five days later, every invoice is five days later: the one due on AS_OF is in
    # 1–30 with the one due the day before, those due 30 and 31 days before in 31–60 … and the
    # one due 120 days before is paid that day (the payment bounced on 10 July still counts)
    p = world.porta
    with in_scope(p.org):
        accounts = visible_accounts(organization=p.org, membership=p.finance).filter(pk=p.account.pk)
        result = aging(organization=p.org, accounts=accounts, as_of=date(2025, 7, 5))
    assert result.rows[0].amounts == AgingAmounts(
        days_1_30=D("290.40") + D("190.40"),
        days_31_60=D("290.40") + D("145.20"),
        days_61_90=D("290.40") + D("290.40"),
        days_91_120=D("290.40") + D("240.40"),
        over_120=D("290.40"),
        credit=D("75.00"),
    )


def test_the_overdue_filter_keeps_the_accounts_with_or_without_something_overdue(world, in_scope, example):
    overdue = _aging(world, in_scope, overdue=True)
    not_overdue = _aging(world, in_scope, overdue=False)
    assert [row.name for row in overdue.rows] == ["Porta Account", "Third account"]
    assert [t.currency for t in overdue.totals] == ["EUR"]
    assert [row.name for row in not_overdue.rows] == ["Second account"]
    assert not_overdue.base_total == DOLLARS_IN_EUR


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("-overdue", ["Porta Account", "Third account", "Second account"]),
        ("overdue", ["Second account", "Third account", "Porta Account"]),
        ("name", ["Porta Account", "Second account", "Third account"]),
        ("-name", ["Third account", "Second account", "Porta Account"]),
        # amounts compare in euros: 283.14 of the dollars' 314.60 is less than Porta's 290.40
        ("-current", ["Porta Account", "Second account", "Third account"]),
        ("days_31_60", ["Second account", "Third account", "Porta Account"]),
        ("-credit", ["Porta Account", "Second account", "Third account"]),
        ("-balance", ["Porta Account", "Third account", "Second account"]),
        ("unknown", ["Porta Account", "Third account", "Second account"]),
    ],
)
def test_the_rows_sort_by_name_or_by_an_amount_in_the_base_currency(world, in_scope, example, sort, names):
    assert [row.name for row in _aging(world, in_scope, sort=sort).rows] == names


def test_an_account_executive_sees_only_their_accounts_figures(world, in_scope, example):
    # ae owns Porta Account and Third account; ae2 owns Second account and has a place on Porta
    # Account's team; the lead sees the team's accounts and, with no team, those of its members
    p = world.porta
    seen = {
        name: [row.name for row in _aging(world, in_scope, membership=member).rows]
        for name, member in (("ae", p.ae), ("ae2", p.ae2), ("lead", p.lead), ("admin", p.admin))
    }
    assert seen == {
        "ae": ["Porta Account", "Third account"],
        "ae2": ["Porta Account", "Second account"],
        "lead": ["Porta Account", "Third account", "Second account"],
        "admin": ["Porta Account", "Third account", "Second account"],
    }
    assert _aging(world, in_scope, membership=p.ae).totals == [CurrencyTotal("EUR", AE, AE)]


def test_nothing_open_is_no_row_and_zero_totals(world, in_scope):
    result = _aging(world, in_scope)
    assert (result.rows, result.totals, result.base_total, result.has_other_currencies) == (
        [],
        [],
        AgingAmounts(),
        False,
    )


def test_the_dso_of_the_filtered_accounts(world, in_scope, example):
    # given the first half of 2025 (181 days): sold 11 × 290.40 + 283.14 − 145.20 = 3,332.34
    # euros; outstanding on 30 June 2,608.80 + 290.40 + 283.14 = 3,182.34
    p = world.porta
    with in_scope(p.org):
        every = visible_accounts(organization=p.org, membership=p.finance)
        team = every.filter(sales_team=p.team)
        asked = {"organization": p.org, "membership": p.finance, "start": date(2025, 1, 1), "end": AS_OF}
        all_of_them = selectors.dso(**asked, accounts=every)
        the_team = selectors.dso(**asked, accounts=team)
        not_given = selectors.dso(**asked)
    # then 3,182.34 / 3,332.34 × 181 = 172.85…; the team's, in euros only:
    # (2,608.80 + 290.40) / (11 × 290.40 − 145.20) × 181 = 172.09…
    assert (all_of_them, the_team, not_given) == (D("172.9"), D("172.1"), D("172.9"))


def test_the_billing_summary_says_how_late_the_oldest_overdue_invoice_is(world, in_scope, example):
    p = world.porta
    with in_scope(p.org):
        summary = selectors.account_billing_summary(organization=p.org, accounts=[p.account], today=AS_OF)
    oldest = example.invoices[121]
    assert (summary[p.account.pk].oldest_overdue_number, summary[p.account.pk].oldest_overdue_days) == (
        oldest.number,
        121,
    )
