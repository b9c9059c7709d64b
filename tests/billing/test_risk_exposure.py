"""billing.selectors_risk.account_exposure: what accounts owe on a day, in one statement, as the
services' own arithmetic says it (what is open on each invoice, what is left of each payment,
the ledger's balance)."""

from datetime import date
from decimal import Decimal

from accounts import services as accounts_services
from billing import selectors, services
from billing.selectors_risk import Exposure, account_exposure

D = Decimal
AS_OF = date(2024, 5, 15)


def _account(o, in_scope, name: str, **fields):
    with in_scope(o.org):
        return accounts_services.account_create(
            organization=o.org, actor=o.admin, client=o.client, name=name, owner=o.ae2, **fields
        )


def _kits(o, quantity: str) -> list[dict]:
    return [{"product": o.product, "quantity": D(quantity)}]


def _books(o, in_scope, issued, paid) -> dict:
    """A second account of Porta's, in 2024:

    - A, 01-10, 2 kits (290.40), due 02-09; 100.00 of it paid on 01-20: 190.40 open, 96 days
      late on 05-15;
    - B, 03-01, 2 kits (290.40), due 03-31; one kit credited on 03-05 (145.20): 145.20 open,
      45 days late;
    - C, 05-01, 1 kit (145.20), due 05-31: not due yet;
    - a payment of 50.00 on 04-01 allocated to nothing (the account's credit), and one of 30.00
      on 04-02 that bounced on 04-10 (it counts no more)."""
    account = _account(o, in_scope, "Exposed account")
    a = issued(o, account=account, issue_date=date(2024, 1, 10), due_date=date(2024, 2, 9), lines=_kits(o, "2"))
    paid(o, "100.00", date(2024, 1, 20), account=account, allocations=[(a, D("100.00"))])
    b = issued(o, account=account, issue_date=date(2024, 3, 1), due_date=date(2024, 3, 31), lines=_kits(o, "2"))
    with in_scope(o.org):
        services.credit_note_create(
            organization=o.org,
            actor=o.finance,
            invoice=b,
            reason="A kit came back.",
            lines=[(b.lines.get(), D("1"))],
            issue_date=date(2024, 3, 5),
        )
    c = issued(o, account=account, issue_date=date(2024, 5, 1), due_date=date(2024, 5, 31), lines=_kits(o, "1"))
    paid(o, "50.00", date(2024, 4, 1), account=account)
    bounced = paid(o, "30.00", date(2024, 4, 2), account=account, method="cheque")
    with in_scope(o.org):
        services.payment_reverse(
            organization=o.org, actor=o.finance, payment=bounced, reversed_on=date(2024, 4, 10), reason="Bounced."
        )
    return {"account": account, "a": a, "b": b, "c": c}


def test_the_exposure_of_an_account_with_a_partly_paid_a_credited_an_overdue_invoice_and_a_credit(
    world, in_scope, issued, paid
):
    # given
    p = world.porta
    books = _books(p, in_scope, issued, paid)
    account = books["account"]
    # when
    with in_scope(p.org):
        exposure = account_exposure(organization=p.org, account_ids=[account.pk], as_of=AS_OF, overdue_days=60)
    # then
    assert exposure == {
        account.pk: Exposure(
            receivable=D("480.80"),
            unallocated_credit=D("50.00"),
            balance=D("430.80"),
            overdue=D("335.60"),
            overdue_beyond=D("190.40"),
            oldest_overdue_days=96,
        )
    }


def test_the_exposure_adds_up_as_the_services_and_the_ledger_say(world, in_scope, issued, paid):
    # given
    p = world.porta
    books = _books(p, in_scope, issued, paid)
    account = books["account"]
    # when
    with in_scope(p.org):
        exposure = account_exposure(organization=p.org, account_ids=[account.pk], as_of=AS_OF, overdue_days=60)[
            account.pk
        ]
        open_amounts = selectors.invoice_open_amounts(
            organization=p.org, invoice_ids=[books[k].pk for k in ("a", "b", "c")]
        )
        ledger = selectors.account_balance(organization=p.org, account=account, as_of=AS_OF)
        payments = list(selectors.payment_list(organization=p.org, membership=p.finance).filter(account=account))
        credit = sum(
            (selectors.payment_unallocated(organization=p.org, payment=payment) for payment in payments), D("0")
        )
    # then
    assert exposure.receivable == sum(open_amounts.values()) == D("480.80")
    assert exposure.unallocated_credit == credit == D("50.00")
    assert exposure.balance == ledger["EUR"] == D("430.80")


def test_the_exposure_as_of_an_earlier_day_counts_only_what_was_there(world, in_scope, issued, paid):
    # given the books, read on 03-03: A (190.40 open, 23 days late), B before its credit note
    p = world.porta
    account = _books(p, in_scope, issued, paid)["account"]
    # when
    with in_scope(p.org):
        exposure = account_exposure(
            organization=p.org, account_ids=[account.pk], as_of=date(2024, 3, 3), overdue_days=20
        )[account.pk]
        ledger = selectors.account_balance(organization=p.org, account=account, as_of=date(2024, 3, 3))
    # then
    assert exposure == Exposure(
        receivable=D("480.80"),
        unallocated_credit=D("0.00"),
        balance=D("480.80"),
        overdue=D("190.40"),
        overdue_beyond=D("190.40"),
        oldest_overdue_days=23,
    )
    assert exposure.balance == ledger["EUR"]


def test_overdue_beyond_counts_what_is_more_than_the_days_late(world, in_scope, issued, paid):
    # given A is 96 days late and B 45 on 05-15
    p = world.porta
    account = _books(p, in_scope, issued, paid)["account"]
    # when
    with in_scope(p.org):
        beyond = {
            days: account_exposure(organization=p.org, account_ids=[account.pk], as_of=AS_OF, overdue_days=days)[
                account.pk
            ].overdue_beyond
            for days in (0, 44, 45, 95, 96)
        }
    # then
    assert beyond == {0: D("335.60"), 44: D("335.60"), 45: D("190.40"), 95: D("190.40"), 96: D("0.00")}


def test_an_account_that_owes_nothing_gets_a_zero_exposure_and_another_organisations_is_left_out(world, in_scope):
    # given
    p, n = world.porta, world.nordwind
    empty = _account(p, in_scope, "Nothing owed")
    # when
    with in_scope(p.org):
        exposure = account_exposure(
            organization=p.org, account_ids=[empty.pk, n.account.pk], as_of=AS_OF, overdue_days=60
        )
    # then
    assert exposure == {empty.pk: Exposure(D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), None)}
    assert account_exposure(organization=p.org, account_ids=[], as_of=AS_OF, overdue_days=60) == {}


def test_the_world_account_today(world, in_scope):
    # given the world's invoice: 435.60 − 145.20 credited − 200.00 paid, due 15 days ago
    from django.utils import timezone

    p = world.porta
    today = timezone.localdate()
    # when
    with in_scope(p.org):
        exposure = account_exposure(organization=p.org, account_ids=[p.account.pk], as_of=today, overdue_days=10)
    # then
    assert exposure == {p.account.pk: Exposure(D("90.40"), D("0.00"), D("90.40"), D("90.40"), D("90.40"), 15)}


def test_one_query_for_1_and_for_50_accounts(world, in_scope, issued, django_assert_num_queries):
    # given 50 accounts, each with an invoice of one kit
    p = world.porta
    accounts = [_account(p, in_scope, f"Account {i:02}") for i in range(50)]
    for account in accounts:
        issued(p, account=account, issue_date=date(2024, 4, 1), due_date=date(2024, 5, 1), lines=_kits(p, "1"))
    ids = [a.pk for a in accounts]
    # when / then
    with in_scope(p.org):
        with django_assert_num_queries(1):
            one = account_exposure(organization=p.org, account_ids=ids[:1], as_of=AS_OF, overdue_days=10)
        with django_assert_num_queries(1):
            fifty = account_exposure(organization=p.org, account_ids=ids, as_of=AS_OF, overdue_days=10)
    every = Exposure(D("145.20"), D("0.00"), D("145.20"), D("145.20"), D("145.20"), 14)
    assert one == {ids[0]: every}
    assert fifty == dict.fromkeys(ids, every)
