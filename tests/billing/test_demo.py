"""The demo's billing (`manage.py seed_demo`): a year of invoices, credit notes and payments for
both demo organisations, with the habits finance meets, written through billing's services so
that the ledger adds up.

The seed runs once for the module (it takes a while) inside a transaction that is rolled back
at the end; what the tests look at is read right after it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from io import StringIO
from random import Random

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billing.demo import seed_billing
from billing.models import (
    Allocation,
    AllocationEnd,
    CreditNote,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
)
from billing.selectors import aging, payment_unallocated, with_open_amounts
from billing.totals import ZERO, cents
from tenancy.management.commands.seed_demo import Command as SeedDemo
from tenancy.models import Membership, Organization
from tenancy.scope import tenant_scope


def _delays(organization) -> dict[int, list[int]]:
    """{account id: days from each invoice's due date to the payment allocated to it}."""
    delays = defaultdict(list)
    for account_id, received_on, due_date in Allocation.objects.filter(organization=organization).values_list(
        "invoice__account_id", "payment__received_on", "invoice__due_date"
    ):
        delays[account_id].append((received_on - due_date).days)
    return delays


def _facts(organization: Organization) -> dict:
    today = timezone.localdate()
    issued = Invoice.objects.filter(organization=organization, status="issued")
    open_invoices = with_open_amounts(issued).filter(outstanding__gt=0)
    delays = _delays(organization)
    late = {a: d for a, d in delays.items() if all(20 <= day <= 40 for day in d)}
    payments_per_invoice = (
        Allocation.objects.filter(organization=organization)
        .values("invoice")
        .annotate(n=Count("payment", distinct=True))
        .values_list("invoice__account_id", "n")
    )
    paid_in_parts = defaultdict(int)
    for account_id, n in payments_per_invoice:
        paid_in_parts[account_id] += n > 1
    reversed_payment = Payment.objects.get(organization=organization, reversed_on__isnull=False)
    bounced_invoice = Allocation.objects.get(organization=organization, payment=reversed_payment).invoice
    paid_again = Allocation.objects.filter(
        organization=organization, invoice=bounced_invoice, reversed_at__isnull=True
    ).select_related("payment")
    ledger = LedgerEntry.objects.filter(organization=organization)
    # Every account's ledger balance is what is open on its invoices less its unallocated credit.
    unbalanced = []
    for account_id in issued.values_list("account_id", flat=True).distinct():
        sums = ledger.filter(account_id=account_id).aggregate(d=Sum("debit"), c=Sum("credit"))
        owed = sum(open_invoices.filter(account_id=account_id).values_list("outstanding", flat=True), ZERO)
        credit = sum(
            (
                payment_unallocated(organization=organization, payment=p)
                for p in Payment.objects.filter(organization=organization, account_id=account_id)
            ),
            ZERO,
        )
        if cents(sums["d"] - sums["c"]) != cents(owed - credit):
            unbalanced.append(account_id)
    finance = Membership.objects.get(organization=organization, user__email=f"finance@{organization.slug}.example")
    tenant_aging = aging(organization=organization, membership=finance, as_of=today, group_by="tenant")[0].amounts
    return {
        "counts": {
            "issued": issued.count(),
            "drafts": Invoice.objects.filter(organization=organization, status="draft", number__isnull=True).count(),
            "lines": InvoiceLine.objects.filter(organization=organization).count(),
            "accounts": issued.values("account").distinct().count(),
            "credit_notes": CreditNote.objects.filter(organization=organization).count(),
            "payments": Payment.objects.filter(organization=organization).count(),
            "allocations": Allocation.objects.filter(organization=organization).count(),
            "ledger": ledger.count(),
            "open": open_invoices.count(),
            "overdue": open_invoices.filter(due_date__lt=today).count(),
        },
        "on_time_accounts": sum(1 for d in delays.values() if max(d) <= 12),
        "late_averages": sorted(round(sum(d) / len(d), 1) for d in late.values()),
        # (a bounced payment paid again, or a credit allocated to the next invoice, makes one)
        "invoices_paid_in_parts": sorted(n for n in paid_in_parts.values() if n > 1),
        "bounced": {
            "method": reversed_payment.method,
            "ended": list(
                Allocation.objects.filter(payment=reversed_payment).values_list("reversal", flat=True).distinct()
            ),
            "reversal_debit": ledger.get(kind=LedgerKind.PAYMENT_REVERSAL).debit == reversed_payment.amount,
            "paid_again_by": [
                (a.payment.method, a.payment.received_on > reversed_payment.reversed_on) for a in paid_again
            ],
            "left_open": with_open_amounts(issued.filter(pk=bounced_invoice.pk)).get().outstanding,
        },
        "credit_notes": sorted(
            (note.total == note.invoice.total, note.invoice.allocations.exists())
            for note in CreditNote.objects.filter(organization=organization).select_related("invoice")
        ),
        "released": Allocation.objects.filter(
            organization=organization, reversal=AllocationEnd.INVOICE_CREDITED
        ).count(),
        "unbalanced": unbalanced,
        "ledger_totals": (
            cents(ledger.aggregate(s=Sum("debit"))["s"]),
            cents(issued.aggregate(s=Sum("total"))["s"] + reversed_payment.amount),
            cents(ledger.aggregate(s=Sum("credit"))["s"]),
            cents(
                CreditNote.objects.filter(organization=organization).aggregate(s=Sum("total"))["s"]
                + Payment.objects.filter(organization=organization).aggregate(s=Sum("amount"))["s"]
            ),
        ),
        "aging_total_is_open": tenant_aging.total == sum(open_invoices.values_list("outstanding", flat=True), ZERO),
        "numbers_gapless": sorted(issued.values_list("number", flat=True))
        == sorted(
            f"{year}-{n:06d}"
            for year, count in issued.values_list("issue_date__year").annotate(n=Count("id")).order_by()
            for n in range(1, count + 1)
        ),
        "seeded_again": seed_billing(
            organization, {"finance": finance}, Random("any")
        ),  # the seed is idempotent: nothing the second time
    }


@pytest.fixture(scope="module")
def porta(django_db_setup, django_db_blocker):
    """Porta's demo seeded once, as `manage.py seed_demo` seeds it (its people, then every app's
    seed in order with the organisation's generator), the facts read from it, everything rolled
    back afterwards. (Nordwind's is the same code in Spanish; tests/tenancy/test_seed_demo.py
    seeds both.)"""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--people-only", stdout=StringIO())
            organization = Organization.objects.get(slug="porta")
            with tenant_scope(organization):
                people = {
                    m.user.email.split("@")[0]: m
                    for m in Membership.objects.filter(organization=organization).select_related("user")
                }
                rng, made = Random("accountdesk-demo-porta"), {}
                for seed in SeedDemo.app_seeds():
                    made |= seed(organization, people, rng) or {}
                return _facts(organization) | {"made": made}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_porta_gets_a_year_of_billing(porta):
    assert {k: porta["made"][k] for k in ("invoices", "draft invoices", "credit notes", "payments")} == {
        "invoices": 109,
        "draft invoices": 2,
        "credit notes": 3,
        "payments": 100,
    }
    # (with the invoice of what the demo's won order delivered: one more, of one line, on an
    # account invoiced already)
    assert porta["counts"] == {
        "issued": 110,
        "drafts": 2,
        "lines": 170,
        "accounts": 23,
        "credit_notes": 3,
        "payments": 100,
        "allocations": 102,
        "ledger": 214,
        "open": 14,
        "overdue": 4,
    }


def test_most_accounts_pay_on_time_and_three_always_pay_20_to_40_days_late(porta):
    # of the 23 accounts invoiced
    assert porta["on_time_accounts"] == 18
    assert porta["late_averages"] == [22.0, 27.9, 32.4]


def test_one_account_pays_its_invoices_in_parts(porta):
    assert porta["invoices_paid_in_parts"] == [3]


def test_one_direct_debit_bounced_and_was_paid_again_by_transfer(porta):
    assert porta["bounced"] == {
        "method": PaymentMethod.DIRECT_DEBIT,
        "ended": [AllocationEnd.PAYMENT_REVERSED],
        "reversal_debit": True,
        "paid_again_by": [(PaymentMethod.TRANSFER, True)],
        "left_open": Decimal("0.00"),
    }


def test_three_credit_notes_a_duplicate_credited_whole_and_two_parts(porta):
    # (credits the whole invoice, the invoice has payments): the duplicate was never paid; one
    # part was credited before its invoice was paid, one after (its money released to credit).
    assert porta["credit_notes"] == [(False, True), (False, True), (True, False)]
    assert porta["released"] == 1


def test_the_ledger_balances_and_the_numbers_have_no_gaps(porta):
    assert porta["unbalanced"] == []
    debits, invoiced_and_bounced, credits, credited_and_paid = porta["ledger_totals"]
    assert (
        (debits, credits)
        == (invoiced_and_bounced, credited_and_paid)
        == (
            Decimal("334414.10"),
            Decimal("287772.83"),
        )
    )
    assert porta["aging_total_is_open"] is True
    assert porta["numbers_gapless"] is True


def test_the_seed_is_idempotent(porta):
    assert porta["seeded_again"] is None
