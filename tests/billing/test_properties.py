"""Properties of the books over random sequences of issue, credit, pay, allocate and reverse
(hypothesis), checked against an oracle computed here in Python from the documents' rows:

- opening + debits − credits = closing, for every account and period, to the cent, and the
  statement's closing is the ledger's balance at its end date (and its last running balance);
- the ledger's balance on any day = what is outstanding on the invoices − what is left on the
  payments (the account's credit) that day;
- outstanding is never negative, and the allocations never exceed the payment nor the invoice,
  now and on any day;
- the statement's aging adds up to what is outstanding at its end date.

Refused operations (allocating more than is open, crediting more than invoiced, reversing twice,
dating a credit note before its invoice…) are part of the sequences: they must change nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts import services as accounts_services
from billing import selectors, services
from billing.models import Allocation, CreditNote, Invoice, LedgerEntry, Payment
from config.errors import ApplicationError
from tenancy.scope import tenant_scope

D = Decimal
DAY0 = date(2024, 1, 1)
DAYS = [DAY0 + timedelta(days=n) for n in (-1, 0, 30, 75, 130, 400)]

issue = st.tuples(st.just("issue"), st.integers(0, 1), st.integers(1, 3), st.integers(0, 90), st.integers(0, 45))
credit = st.tuples(st.just("credit"), st.integers(0, 30), st.integers(0, 3), st.integers(-5, 40))
pay = st.tuples(
    st.just("pay"),
    st.integers(0, 1),
    st.decimals(min_value=D("0.01"), max_value=D("600.00"), places=2),
    st.integers(0, 120),
    st.booleans(),
)
allocate = st.tuples(
    st.just("allocate"), st.integers(0, 30), st.integers(0, 30), st.sampled_from(["all", "half", "more"])
)
reverse = st.tuples(st.just("reverse"), st.integers(0, 30), st.integers(-3, 30))
OPERATIONS = st.lists(st.one_of(issue, credit, pay, allocate, reverse), min_size=1, max_size=12)


def _apply(o, accounts, invoices, payments, operation) -> None:
    kind, *args = operation
    org, finance = o.org, o.finance
    if kind == "issue":
        which, kits, day, terms = args
        draft = services.invoice_create(
            organization=org,
            actor=finance,
            account=accounts[which],
            issue_date=DAY0 + timedelta(days=day),
            due_date=DAY0 + timedelta(days=day + terms),
            lines=[
                {"product": o.product, "quantity": D(kits), "discount_percent": D("7.5")},
                {"description": "Service", "quantity": D("1.5"), "unit_price": D("33.33"), "tax_rate": o.vat21},
            ],
        )
        invoices.append(services.invoice_issue(organization=org, actor=finance, invoice=draft))
    elif kind == "credit" and invoices:
        index, quantity, days_after = args
        invoice = invoices[index % len(invoices)]
        day = invoice.issue_date + timedelta(days=days_after)
        if quantity == 0:
            services.credit_note_create(
                organization=org, actor=finance, invoice=invoice, reason="All back", whole=True, issue_date=day
            )
        else:
            line = invoice.lines.order_by("position").first()
            services.credit_note_create(
                organization=org,
                actor=finance,
                invoice=invoice,
                reason="Part",
                lines=[(line, D(quantity))],
                issue_date=day,
            )
    elif kind == "pay":
        which, amount, day, propose = args
        payment = services.payment_record(
            organization=org,
            actor=finance,
            account=accounts[which],
            amount=amount,
            received_on=DAY0 + timedelta(days=day),
        )
        payments.append(payment)
        if propose:
            proposal = selectors.payment_allocation_proposal(organization=org, payment=payment)
            if proposal:
                services.payment_allocate(organization=org, actor=finance, payment=payment, allocations=proposal)
    elif kind == "allocate" and invoices and payments:
        payment_index, invoice_index, how = args
        payment = payments[payment_index % len(payments)]
        invoice = invoices[invoice_index % len(invoices)]
        left = min(
            selectors.payment_unallocated(organization=org, payment=Payment.objects.get(pk=payment.pk)),
            selectors.invoice_open_amounts(organization=org, invoice_ids=[invoice.pk])[invoice.pk],
        )
        amount = {"all": left, "half": (left / 2).quantize(D("0.01")), "more": left + D("0.01")}[how]
        services.payment_allocate(organization=org, actor=finance, payment=payment, allocations=[(invoice, amount)])
    elif kind == "reverse" and payments:
        index, days_after = args
        payment = payments[index % len(payments)]
        services.payment_reverse(
            organization=org,
            actor=finance,
            payment=payment,
            reversed_on=payment.received_on + timedelta(days=days_after),
            reason="Bounced",
        )


def _active_on(allocation, day) -> bool:
    return allocation.allocated_on <= day and (allocation.reversed_on is None or allocation.reversed_on > day)


def _oracle(account, day):
    """What the documents say on `day`, computed here: (ledger balance, {invoice: open}, {payment: left})."""
    invoices = [i for i in Invoice.objects.filter(account=account, status="issued") if i.issue_date <= day]
    notes = [n for n in CreditNote.objects.filter(account=account) if n.issue_date <= day]
    payments = [p for p in Payment.objects.filter(account=account) if p.received_on <= day]
    allocations = [a for a in Allocation.objects.filter(payment__account=account) if _active_on(a, day)]
    open_ = {
        i.pk: i.total
        - sum((n.total for n in notes if n.invoice_id == i.pk), D(0))
        - sum((a.amount for a in allocations if a.invoice_id == i.pk), D(0))
        for i in invoices
    }
    left = {
        p.pk: p.amount - sum((a.amount for a in allocations if a.payment_id == p.pk), D(0))
        for p in payments
        if p.reversed_on is None or p.reversed_on > day
    }
    balance = (
        sum((i.total for i in invoices), D(0))
        - sum((n.total for n in notes), D(0))
        - sum((p.amount for p in payments), D(0))
        + sum((p.amount for p in payments if p.reversed_on is not None and p.reversed_on <= day), D(0))
    )
    return balance, open_, left


def _check(o, accounts) -> None:
    org = o.org
    for account in accounts:
        oracle = {day: _oracle(account, day) for day in DAYS}
        for day, (balance, open_, left) in oracle.items():
            assert all(amount >= 0 for amount in open_.values()), (day, open_)
            assert all(amount >= 0 for amount in left.values()), (day, left)
            assert balance == sum(open_.values(), D(0)) - sum(left.values(), D(0))
            ledger = selectors.account_balance(organization=org, account=account, as_of=day).get("EUR", D("0.00"))
            assert ledger == balance
        for start in DAYS:
            for end in DAYS:
                if end < start:
                    continue
                statement = selectors.statement(organization=org, account=account, start=start, end=end)
                assert statement.opening + statement.debits - statement.credits == statement.closing
                assert statement.closing == oracle[end][0]
                entries = list(statement.entries)
                assert [e.balance for e in entries[-1:]] == ([statement.closing] if entries else [])
                assert statement.aging.total == sum(oracle[end][1].values(), D(0))
    # now: what the services allocate against
    for invoice in selectors.with_open_amounts(Invoice.objects.filter(organization=org, status="issued")):
        assert invoice.total - invoice.credited - invoice.paid >= 0
    for payment in selectors.payment_list(organization=org, membership=o.finance):
        assert 0 <= payment.allocated <= payment.amount
    entries = LedgerEntry.objects.filter(organization=org)
    assert all((e.debit == 0) != (e.credit == 0) for e in entries)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(operations=OPERATIONS)
def test_the_books_add_up_whatever_finance_does(world, operations):
    o = world.porta
    with transaction.atomic(), tenant_scope(o.org):
        second = accounts_services.account_create(
            organization=o.org, actor=o.admin, client=o.client, name="Property account", owner=o.ae
        )
        accounts, invoices, payments = [o.account, second], [], []
        for operation in operations:
            try:
                _apply(o, accounts, invoices, payments, operation)
                event(f"{operation[0]}: done")  # --hypothesis-show-statistics says how often
            except (ApplicationError, ValidationError):
                event(f"{operation[0]}: refused")  # it changed nothing (the service's own savepoint)
        _check(o, accounts)
        transaction.set_rollback(True)  # the next example starts from the world again
