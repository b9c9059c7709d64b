"""Run by tests/billing/test_sqlite_sums.py in a process of its own, on a fresh SQLite file (the
embedded default of `make run`): money that SQLite adds as binary floats. An invoice whose net
and tax do not add up as floats (16.80 + 3.53), paid, then credited in two parts after the
payment (what a credit note sums of earlier ones, and what it releases of the payment), all
through billing's services. Prints one JSON object: what was written."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)

from accounts import services as accounts_services  # noqa: E402
from billing import selectors, services  # noqa: E402
from billing.models import Allocation, CreditNoteLine, LedgerEntry, Payment  # noqa: E402
from catalog.models import TaxRate  # noqa: E402
from clients import services as clients_services  # noqa: E402
from tenancy import services as tenancy_services  # noqa: E402
from tenancy.scope import tenant_scope  # noqa: E402


def summary_of(organization, account) -> list:
    """The account's billing summary on 31 December 2024, as text (its due date as a date)."""
    s = selectors.account_billing_summary(organization=organization, accounts=[account], today=date(2024, 12, 31))[
        account.pk
    ]
    due = s.oldest_overdue_due_date
    return [str(s.balance), str(s.overdue), s.oldest_overdue_number, due.isoformat() if due else None]


organization = tenancy_services.organization_create(name="Embedded", slug="embedded")
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
    vat = TaxRate.objects.get(organization=organization, rate=Decimal("21"))
    draft = services.invoice_create(
        organization=organization,
        actor=person,
        account=account,
        issue_date=date(2024, 3, 1),
        lines=[
            {
                "description": "Bearings 6205-2RS",
                "quantity": Decimal("2"),
                "unit_price": Decimal("8.40"),
                "tax_rate": vat,
            }
        ],
    )
    invoice = services.invoice_issue(organization=organization, actor=person, invoice=draft)
    # The billing summary (raw SQL: SQLite's sums are floats, its dates text) while it is open.
    unpaid = summary_of(organization, account)
    # Paid in full (rows as billing's payment services write them).
    payment = Payment.objects.create(
        organization=organization,
        account=account,
        currency="EUR",
        amount=invoice.total,
        received_on=date(2024, 3, 20),
        recorded_by=person,
    )
    Allocation.objects.create(
        organization=organization,
        payment=payment,
        invoice=invoice,
        amount=invoice.total,
        allocated_on=date(2024, 3, 20),
        created_by=person,
    )
    line = invoice.lines.get()
    first = services.credit_note_create(
        organization=organization,
        actor=person,
        invoice=invoice,
        reason="One returned",
        lines=[(line, Decimal("1"))],
        issue_date=date(2024, 4, 2),
    )
    rest = services.credit_note_create(
        organization=organization,
        actor=person,
        invoice=invoice,
        reason="The other too",
        whole=True,
        issue_date=date(2024, 4, 9),
    )
    result = {
        "vendor": connection.vendor,
        "invoice": [str(invoice.net_total), str(invoice.tax_total), str(invoice.total)],
        "credit_notes": [[str(n.net_total), str(n.tax_total), str(n.total)] for n in (first, rest)],
        "credited_quantities": [
            str(q) for q in CreditNoteLine.objects.order_by("pk").values_list("quantity", flat=True)
        ],
        "allocations": [[str(a.amount), a.reversal or "active"] for a in Allocation.objects.order_by("pk")],
        "ledger": [[e.kind, str(e.debit), str(e.credit)] for e in LedgerEntry.objects.order_by("pk")],
        "summary": [unpaid, summary_of(organization, account)],
    }

print(json.dumps(result))
