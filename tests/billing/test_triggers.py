"""What is issued stays as issued, refused by the database itself (triggers), whatever route a
change takes: as the application role on PostgreSQL, and on the embedded SQLite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from billing import services
from billing.models import Allocation, CreditNote, CreditNoteLine, Invoice, InvoiceLine, LedgerEntry, Payment
from tests.tenancy.isolation import snapshot

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
INVOICE_CHANGED = "An issued invoice cannot be changed: correct it with a credit note."
INVOICE_DELETED = "An issued invoice cannot be deleted: correct it with a credit note."
CREDIT_NOTE = "A credit note cannot be changed or deleted: issue another one."
LEDGER = "Ledger entries cannot be changed or deleted: post a correcting document."


def _refused(sql: str, params=(), message: str = INVOICE_CHANGED) -> None:
    with pytest.raises(IntegrityError, match=re.escape(message)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_suite_writes_as_the_application_role_not_the_owner(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'billing_invoice')")
        assert cursor.fetchone() == ("accountdesk_app", "accountdesk_owner")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE billing_invoice SET total = 1, net_total = 1, tax_total = 0 WHERE id = %(invoice)s", INVOICE_CHANGED),
        ("UPDATE billing_invoice SET notes = 'A quiet correction' WHERE id = %(invoice)s", INVOICE_CHANGED),
        ("UPDATE billing_invoice SET due_date = due_date + 30 WHERE id = %(invoice)s", INVOICE_CHANGED),
        (
            "UPDATE billing_invoice SET number = NULL, status = 'draft', issued_at = NULL WHERE id = %(invoice)s",
            INVOICE_CHANGED,
        ),
        ("DELETE FROM billing_invoice WHERE id = %(invoice)s", INVOICE_DELETED),
        ("UPDATE billing_invoiceline SET unit_price = 1, net = 3 WHERE invoice_id = %(invoice)s", INVOICE_CHANGED),
        ("DELETE FROM billing_invoiceline WHERE invoice_id = %(invoice)s", INVOICE_CHANGED),
        (
            "INSERT INTO billing_invoiceline (organization_id, invoice_id, position, description, quantity, unit_price,"
            " discount_percent, tax_rate_id, tax_percent, net) SELECT organization_id, invoice_id, 2, 'Extra', 1, 5, 0,"
            " tax_rate_id, tax_percent, 5 FROM billing_invoiceline WHERE invoice_id = %(invoice)s",
            INVOICE_CHANGED,
        ),
        ("UPDATE billing_creditnote SET total = total + 1, net_total = net_total + 1", CREDIT_NOTE),
        ("DELETE FROM billing_creditnote", CREDIT_NOTE),
        ("UPDATE billing_creditnoteline SET quantity = 2", CREDIT_NOTE),
        ("DELETE FROM billing_creditnoteline", CREDIT_NOTE),
        ("UPDATE billing_ledgerentry SET entry_date = entry_date + 1", LEDGER),
        ("DELETE FROM billing_ledgerentry", LEDGER),
        ("UPDATE billing_payment SET amount = 1", "A payment cannot be changed, only reversed."),
        ("DELETE FROM billing_payment", "A payment cannot be deleted: reverse it."),
        (
            "UPDATE billing_payment SET amount = 1, reversed_on = received_on, reversal_reason = 'x', reversed_at = now()",
            "A payment cannot be changed, only reversed.",
        ),
        ("UPDATE billing_allocation SET amount = 1", "An allocation cannot be changed, only ended."),
        (
            "DELETE FROM billing_allocation",
            "An allocation cannot be deleted: reverse its payment or credit its invoice.",
        ),
    ],
)
def test_the_database_refuses_changing_what_was_issued_as_the_application_role(world, in_scope, sql, message):
    # given the world's issued invoice, its credit note, a payment allocated to it
    p = world.porta
    before = snapshot()
    # when the application's own connection tries it in SQL
    with in_scope(p.org):
        _refused(sql, {"invoice": p.invoice.pk}, message)
    # then nothing changed
    assert snapshot() == before


def test_the_orm_and_the_admins_save_are_refused_too(world, in_scope):
    p = world.porta
    before = snapshot()
    with in_scope(p.org):
        invoice = Invoice.objects.get(pk=p.invoice.pk)
        invoice.notes = "Edited in the admin"
        with pytest.raises(IntegrityError, match=re.escape(INVOICE_CHANGED)), transaction.atomic():
            invoice.save()
        with pytest.raises(IntegrityError, match=re.escape(INVOICE_CHANGED)), transaction.atomic():
            InvoiceLine.objects.filter(invoice=invoice).update(quantity=Decimal("9"))
        with pytest.raises(IntegrityError, match=re.escape(CREDIT_NOTE)), transaction.atomic():
            CreditNote.objects.filter(pk=p.credit_note.pk).update(reason="Another reason")
        with pytest.raises(IntegrityError, match=re.escape(CREDIT_NOTE)), transaction.atomic():
            CreditNoteLine.objects.all().delete()
        with pytest.raises(IntegrityError, match=re.escape(LEDGER)), transaction.atomic():
            LedgerEntry.objects.all().update(credit=Decimal("0"))
    assert snapshot() == before


def test_a_draft_changes_freely_and_is_issued_by_one_update_then_frozen(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            lines=[{"product": p.product, "quantity": Decimal("1")}],
        )
        with connection.cursor() as cursor:
            cursor.execute("UPDATE billing_invoice SET notes = 'Draft notes' WHERE id = %s", [draft.pk])
            cursor.execute("UPDATE billing_invoiceline SET description = 'Kit' WHERE invoice_id = %s", [draft.pk])
        issued = services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
        _refused("UPDATE billing_invoice SET notes = 'Too late' WHERE id = %s", [issued.pk])
        stored = Invoice.objects.values_list("notes", "status").get(pk=issued.pk)
    assert stored == ("Draft notes", "issued")


def test_a_payment_is_reversed_once_and_an_allocation_ended_once(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_payment SET reversed_on = received_on, reversal_reason = 'Bounced', reversed_at = now()"
                " WHERE id = %s",
                [p.payment.pk],
            )
            cursor.execute(
                "UPDATE billing_allocation SET reversed_at = now(), reversed_on = allocated_on,"
                " reversal = 'payment_reversed' WHERE id = %s",
                [p.allocation.pk],
            )
        _refused(
            "UPDATE billing_payment SET reversal_reason = 'Bounced twice'",
            message="This payment has been reversed already.",
        )
        _refused(
            "UPDATE billing_allocation SET reversed_on = reversed_on + 1", message="This allocation has ended already."
        )
        stored = (
            Payment.objects.values_list("reversal_reason", flat=True).get(pk=p.payment.pk),
            Allocation.objects.values_list("reversal", flat=True).get(pk=p.allocation.pk),
        )
    assert stored == ("Bounced", "payment_reversed")


def test_the_embedded_sqlite_database_refuses_the_same_and_keeps_the_same_books(tmp_path):
    # given a fresh SQLite file, migrated, and books kept through the services
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "ACCOUNTDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_OWNER_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    # when the triggers are tried there
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "billing" / "sqlite_embedded_check.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # then
    assert result["vendor"] == "sqlite"
    assert result["numbers"] == ["2024-000001", "2024-000002", "R2024-000001"]
    assert result["answers"] == {
        "update_issued_invoice": INVOICE_CHANGED,
        "delete_issued_invoice": INVOICE_DELETED,
        "insert_line_of_issued": INVOICE_CHANGED,
        "update_line_of_issued": INVOICE_CHANGED,
        "delete_line_of_issued": INVOICE_CHANGED,
        "update_draft": "done",
        "update_line_of_draft": "done",
        "update_credit_note": CREDIT_NOTE,
        "delete_credit_note_line": CREDIT_NOTE,
        "update_ledger": LEDGER,
        "delete_ledger": LEDGER,
        "update_payment_amount": "A payment cannot be changed, only reversed.",
        "delete_payment": "A payment cannot be deleted: reverse it.",
        "delete_allocation": "An allocation cannot be deleted: reverse its payment or credit its invoice.",
        "reverse_payment_once": "done",
        "reverse_payment_twice": "This payment has been reversed already.",
    }
    # the books on SQLite: 242.00 + 242.00 invoiced, 300.00 paid (242.00 allocated, then released by
    # the credit note of the whole first invoice), 242.00 credited
    # (SQLite computes sums as binary floats: Django gives them back as Decimals to 15 digits)
    opening, entries, closing = result["statement"]
    assert (D(opening), [(kind, D(balance)) for kind, balance in entries], D(closing)) == (
        D("242.00"),
        [("invoice", D("484.00")), ("payment", D("184.00")), ("credit_note", D("-58.00"))],
        D("-58.00"),
    )
    assert {number: D(amount) for number, amount in result["open"].items()} == {
        "2024-000001": D("0.00"),
        "2024-000002": D("242.00"),
    }
    assert D(result["unallocated"]) == D("300.00")
