"""Races decided by the database, with real PostgreSQL connections: threads, each with its own
connection and transaction, released at the same moment by a barrier."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from billing import selectors, services
from billing.models import Allocation, Invoice, NumberSeries
from config.errors import ApplicationError
from tenancy.scope import tenant_scope

D = Decimal
ISSUED_ON = date(2024, 5, 2)


class RolledBack(Exception):
    """The request failed after issuing: its transaction is rolled back."""


def _race(*calls) -> list:
    """Run each call in its own thread and connection, all starting together; their results
    (or the exception each raised), in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the test looks at each one
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _drafts(o, count: int) -> list[Invoice]:
    with tenant_scope(o.org):
        return [
            services.invoice_create(
                organization=o.org,
                actor=o.finance,
                account=o.account,
                issue_date=ISSUED_ON,
                lines=[{"product": o.product, "quantity": D("1")}],
            )
            for _ in range(count)
        ]


def _issue(o, draft, fail_after=False):
    def call():
        with tenant_scope(o.org):
            issued = services.invoice_issue(organization=o.org, actor=o.finance, invoice=draft)
            if fail_after:
                raise RolledBack(issued.number)
            return issued.number

    return call


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_get_gapless_unique_numbers_and_a_rolled_back_one_gives_its_number_back(tworld):
    # given eight drafts of the same year
    p = tworld.porta
    drafts = _drafts(p, 8)
    # when eight connections issue them at once, one of them failing after its issue
    results = _race(*(_issue(p, draft, fail_after=(i == 3)) for i, draft in enumerate(drafts)))
    # then seven numbers, one to seven, each once; the failed one left its draft a draft
    numbers = sorted(r for r in results if isinstance(r, str))
    assert numbers == [f"2024-00000{n}" for n in range(1, 8)]
    assert [type(r).__name__ for r in results].count("RolledBack") == 1
    with tenant_scope(p.org):
        statuses = sorted(Invoice.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True))
        last = NumberSeries.objects.get(kind="invoice", year=2024).last_number
    assert (statuses, last) == (["draft"] + ["issued"] * 7, 7)
    # and the next issue takes the next number
    assert _issue(p, drafts[3])() == "2024-000008"


def _allocate(o, payment, invoice, amount):
    def call():
        with tenant_scope(o.org):
            return services.payment_allocate(
                organization=o.org, actor=o.finance, payment=payment, allocations=[(invoice, D(amount))]
            )

    return call


def _issued_invoices(o, count: int) -> list[Invoice]:
    with tenant_scope(o.org):
        return [services.invoice_issue(organization=o.org, actor=o.finance, invoice=d) for d in _drafts(o, count)]


@pytest.mark.django_db(transaction=True)
def test_two_allocations_of_one_payment_at_once_never_exceed_it(tworld):
    # given a payment of 100.00 and two invoices of 145.20
    p = tworld.porta
    first, second = _issued_invoices(p, 2)
    with tenant_scope(p.org):
        payment = services.payment_record(
            organization=p.org, actor=p.finance, account=p.account, amount=D("100.00"), received_on=ISSUED_ON
        )
    # when two people allocate 70.00 of it each, at once
    results = _race(_allocate(p, payment, first, "70.00"), _allocate(p, payment, second, "70.00"))
    # then one allocation is made, the other refused with what is left
    refusals = [r for r in results if isinstance(r, (ApplicationError, ValidationError))]
    made = [r for r in results if isinstance(r, list)]
    assert (len(made), [r.message for r in refusals]) == (
        1,
        ["You cannot allocate more than the payment has left: €30.00."],
    )
    with tenant_scope(p.org):
        allocated = sorted(Allocation.objects.filter(payment=payment).values_list("amount", flat=True))
        left = selectors.payment_unallocated(organization=p.org, payment=payment)
    assert (allocated, left) == ([D("70.00")], D("30.00"))


@pytest.mark.django_db(transaction=True)
def test_two_payments_allocated_to_one_invoice_at_once_never_exceed_what_is_open_on_it(tworld):
    # given an invoice of 145.20 and two payments of 100.00
    p = tworld.porta
    (invoice,) = _issued_invoices(p, 1)
    with tenant_scope(p.org):
        payments = [
            services.payment_record(
                organization=p.org, actor=p.finance, account=p.account, amount=D("100.00"), received_on=ISSUED_ON
            )
            for _ in range(2)
        ]
    # when both are allocated to it in full at once
    results = _race(*(_allocate(p, payment, invoice, "100.00") for payment in payments))
    # then one is, the other is refused with what is open
    refusals = [r.message for r in results if isinstance(r, (ApplicationError, ValidationError))]
    assert refusals == [f"You cannot allocate more than is open on invoice {invoice.number}: €45.20."]
    with tenant_scope(p.org):
        open_amount = selectors.invoice_open_amounts(organization=p.org, invoice_ids=[invoice.pk])[invoice.pk]
        allocated = sum(Allocation.objects.filter(invoice=invoice).values_list("amount", flat=True))
    assert (allocated, open_amount) == (D("100.00"), D("45.20"))


@pytest.mark.django_db(transaction=True)
def test_a_line_added_while_its_invoice_is_being_issued_waits_and_is_refused(tworld):
    # given a draft being issued in one connection, its lock held
    p = tworld.porta
    (draft,) = _drafts(p, 1)
    issuing, added = threading.Event(), []

    def issue():
        with transaction.atomic(), tenant_scope(p.org):
            services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
            issuing.set()
            threading.Event().wait(0.5)  # hold the transaction open while the other writes
        return "issued"

    def add_line_in_sql():
        issuing.wait(timeout=30)
        try:
            with transaction.atomic(), tenant_scope(p.org), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO billing_invoiceline (organization_id, invoice_id, position, description, quantity,"
                    " unit_price, discount_percent, tax_rate_id, tax_percent, net) SELECT organization_id, invoice_id,"
                    " 2, 'Slipped in', 1, 5, 0, tax_rate_id, tax_percent, 5 FROM billing_invoiceline WHERE invoice_id = %s",
                    [draft.pk],
                )
            added.append("added")
        except Exception as error:
            added.append(str(error).splitlines()[0])

    results = _race(issue, add_line_in_sql)
    # then the line waited for the issue, saw the invoice issued, and was refused
    assert (results[0], added) == ("issued", ["An issued invoice cannot be changed: correct it with a credit note."])
    with tenant_scope(p.org):
        assert Invoice.objects.get(pk=draft.pk).lines.count() == 1
