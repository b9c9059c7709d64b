"""Run by tests/billing/test_triggers.py in a process of its own, on a fresh SQLite file (the
embedded default of `make run`): migrate, write books, then try what the triggers must refuse.
Prints one JSON object: each attempt's database answer."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)

from accounts import services as accounts_services  # noqa: E402
from billing.models import (  # noqa: E402
    Allocation,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Payment,
)
from catalog.models import TaxRate  # noqa: E402
from clients import services as clients_services  # noqa: E402
from tenancy import services as tenancy_services  # noqa: E402
from tenancy.models import Organization  # noqa: E402
from tenancy.scope import tenant_scope  # noqa: E402

organization = Organization.objects.create(name="Embedded", slug="embedded")
result: dict = {"vendor": connection.vendor}
with transaction.atomic(), tenant_scope(organization):
    person = tenancy_services.membership_add(
        organization=organization,
        actor=None,
        email="books@embedded.example",
        full_name="Books Keeper",
        roles=["admin", "account_executive", "finance"],
        password="embedded-password-1",
    )
    client = clients_services.client_create(
        organization=organization, actor=person, legal_name="Client SL", tax_id="B12345674", country="ES"
    )
    account = accounts_services.account_create(
        organization=organization, actor=person, client=client, name="Main", owner=person
    )
    vat = TaxRate.objects.create(organization=organization, name="VAT 21%", rate=Decimal("21"))
    now = timezone.now()

    def invoice(day, issued=True):
        row = Invoice.objects.create(
            organization=organization, account=account, currency="EUR", created_by=person, issue_date=day, due_date=day
        )
        InvoiceLine.objects.create(
            organization=organization,
            invoice=row,
            position=1,
            description="Work",
            quantity=Decimal("2"),
            unit_price=Decimal("100.00"),
            tax_rate=vat,
            tax_percent=Decimal("21"),
            net=Decimal("200.00"),
        )
        if issued:
            row.status, row.number, row.issued_at = "issued", f"2024-{row.pk:06d}", now
            row.net_total, row.tax_total, row.total = Decimal("200.00"), Decimal("42.00"), Decimal("242.00")
            row.save()
            LedgerEntry.objects.create(
                organization=organization,
                account=account,
                kind="invoice",
                entry_date=day,
                currency="EUR",
                debit=row.total,
                base_debit=row.total,
                invoice=row,
            )
        return row

    issued, second, draft = invoice(date(2024, 3, 1)), invoice(date(2024, 3, 2)), invoice(None, issued=False)
    payment = Payment.objects.create(
        organization=organization,
        account=account,
        currency="EUR",
        amount=Decimal("300.00"),
        received_on=date(2024, 3, 10),
        recorded_by=person,
    )
    Allocation.objects.create(
        organization=organization,
        payment=payment,
        invoice=issued,
        amount=Decimal("242.00"),
        allocated_on=date(2024, 3, 10),
        created_by=person,
    )
    note = CreditNote.objects.create(
        organization=organization,
        number="R2024-000001",
        invoice=issued,
        account=account,
        currency="EUR",
        issue_date=date(2024, 3, 20),
        reason="Returned",
        net_total=Decimal("200.00"),
        tax_total=Decimal("42.00"),
        total=Decimal("242.00"),
        created_by=person,
    )
    CreditNoteLine.objects.create(
        organization=organization,
        credit_note=note,
        invoice_line=issued.lines.get(),
        quantity=Decimal("2"),
        tax_rate=vat,
        tax_percent=Decimal("21"),
        net=Decimal("200.00"),
    )
    LedgerEntry.objects.create(
        organization=organization,
        account=account,
        kind="payment",
        entry_date=date(2024, 3, 10),
        currency="EUR",
        credit=Decimal("300.00"),
        base_credit=Decimal("300.00"),
        payment=payment,
    )

    attempts = {
        "update_issued_invoice": f"UPDATE billing_invoice SET total = 1 WHERE id = {issued.pk}",
        "delete_issued_invoice": f"DELETE FROM billing_invoice WHERE id = {second.pk}",
        "insert_line_of_issued": "INSERT INTO billing_invoiceline (organization_id, invoice_id, position, description,"
        f" quantity, unit_price, discount_percent, tax_rate_id, tax_percent, net) SELECT organization_id, {issued.pk},"
        f" 2, 'More', 1, 1, 0, tax_rate_id, tax_percent, 1 FROM billing_invoiceline WHERE invoice_id = {issued.pk}",
        "update_line_of_issued": f"UPDATE billing_invoiceline SET net = 1 WHERE invoice_id = {issued.pk}",
        "delete_line_of_issued": f"DELETE FROM billing_invoiceline WHERE invoice_id = {issued.pk}",
        "update_draft": f"UPDATE billing_invoice SET notes = 'Still a draft' WHERE id = {draft.pk}",
        "update_line_of_draft": f"UPDATE billing_invoiceline SET description = 'Draft work' WHERE invoice_id = {draft.pk}",
        "update_credit_note": f"UPDATE billing_creditnote SET reason = 'x' WHERE id = {note.pk}",
        "delete_credit_note_line": "DELETE FROM billing_creditnoteline",
        "update_ledger": "UPDATE billing_ledgerentry SET debit = debit + 1",
        "delete_ledger": "DELETE FROM billing_ledgerentry",
        "update_payment_amount": f"UPDATE billing_payment SET amount = 1 WHERE id = {payment.pk}",
        "delete_payment": f"DELETE FROM billing_payment WHERE id = {payment.pk}",
        "delete_allocation": "DELETE FROM billing_allocation",
        "reverse_payment_once": f"UPDATE billing_payment SET reversed_on = '2024-04-01', reversal_reason = 'Bounced',"
        f" reversed_at = '2024-04-01 10:00:00' WHERE id = {payment.pk}",
        "reverse_payment_twice": f"UPDATE billing_payment SET reversal_reason = 'Again' WHERE id = {payment.pk}",
    }
    answers = {}
    for name, statement_sql in attempts.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement_sql)
            answers[name] = "done"
        except IntegrityError as error:
            answers[name] = str(error)
    result["answers"] = answers

print(json.dumps(result))
