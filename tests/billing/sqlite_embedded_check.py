"""Run by tests/billing/test_triggers.py in a process of its own, on a fresh SQLite file (the
embedded default of `make run`): migrate, keep the books through the services, then try what
the triggers must refuse. Prints one JSON object: each attempt's database answer and the
figures the services and selectors gave."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)

from accounts import services as accounts_services  # noqa: E402
from billing import selectors, services  # noqa: E402
from billing.models import Invoice  # noqa: E402
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
    lines = [{"description": "Work", "quantity": Decimal("2"), "unit_price": Decimal("100.00"), "tax_rate": vat}]
    issued = services.invoice_issue(
        organization=organization,
        actor=person,
        invoice=services.invoice_create(
            organization=organization, actor=person, account=account, issue_date=date(2024, 3, 1), lines=lines
        ),
    )
    second = services.invoice_issue(
        organization=organization,
        actor=person,
        invoice=services.invoice_create(
            organization=organization, actor=person, account=account, issue_date=date(2024, 3, 2), lines=lines
        ),
    )
    draft = services.invoice_create(organization=organization, actor=person, account=account, lines=lines)
    payment = services.payment_record(
        organization=organization,
        actor=person,
        account=account,
        amount=Decimal("300.00"),
        received_on=date(2024, 3, 10),
        allocations=[(issued, Decimal("242.00"))],
    )
    note = services.credit_note_create(
        organization=organization,
        actor=person,
        invoice=issued,
        reason="Returned",
        whole=True,
        issue_date=date(2024, 3, 20),
    )
    statement = selectors.statement(
        organization=organization, account=account, start=date(2024, 3, 2), end=date(2024, 3, 31)
    )
    result["numbers"] = [issued.number, second.number, note.number]
    result["statement"] = [
        str(statement.opening),
        [(e.kind, str(e.balance)) for e in statement.entries],
        str(statement.closing),
    ]
    result["open"] = {
        number: str(amount)
        for number, amount in selectors.with_open_amounts(Invoice.objects.filter(status="issued"))
        .order_by("number")
        .values_list("number", "outstanding")
    }
    result["unallocated"] = str(selectors.payment_unallocated(organization=organization, payment=payment))

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
