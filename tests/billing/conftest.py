"""What the billing tests share: a refusal that must write nothing, and the calls that build
documents with finance's hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services
from config.errors import ApplicationError, refusal_messages
from tests.tenancy.isolation import snapshot

ISSUED_ON = date(2024, 3, 1)


@pytest.fixture
def refused(in_scope):
    """`refused(org, call)`: run a service call that must be refused, as an ApplicationError
    (full_clean()'s ValidationError read as the API and forms read it, status 400), and
    whether the whole database is as it was."""

    def run(org, call):
        before = snapshot()
        with pytest.raises((ApplicationError, ValidationError)) as error, in_scope(org):
            call()
        refusal = error.value
        if isinstance(refusal, ValidationError):
            refusal = ApplicationError(*refusal_messages(refusal))
        return refusal, snapshot() == before

    return run


@pytest.fixture
def issued(in_scope):
    """`issued(world_org, lines=…, **fields)`: an invoice for the world's account, issued by
    finance (dated ISSUED_ON unless said otherwise; two of the world's product by default)."""

    def make(o, lines=None, **fields):
        with in_scope(o.org):
            invoice = services.invoice_create(
                organization=o.org,
                actor=o.finance,
                account=fields.pop("account", o.account),
                issue_date=fields.pop("issue_date", ISSUED_ON),
                lines=lines or [{"product": o.product, "quantity": Decimal("2")}],
                **fields,
            )
            return services.invoice_issue(organization=o.org, actor=o.finance, invoice=invoice)

    return make


@pytest.fixture
def paid(in_scope):
    """`paid(world_org, amount, on, allocations=…)`: a payment recorded by finance."""

    def make(o, amount, received_on=ISSUED_ON, allocations=None, **fields):
        with in_scope(o.org):
            return services.payment_record(
                organization=o.org,
                actor=o.finance,
                account=fields.pop("account", o.account),
                amount=Decimal(amount),
                received_on=received_on,
                allocations=allocations,
                **fields,
            )

    return make


# --- Statements (tests/billing/test_statement*.py) ----------------------------------------------

FEBRUARY = (date(2024, 2, 1), date(2024, 2, 29))


@pytest.fixture
def february(world, in_scope, issued, paid):
    """Porta's account, in February 2024, with the history before it that gives it an opening:

    - invoice C, 2023-11-01, 1 kit (145.20), due 2023-12-01, never paid;
    - invoice A, 2024-01-10, 2 kits (290.40), due 2024-02-09; payment P1 of 100.00 on 2024-01-20;
      opening on 1 February: 145.20 + 290.40 − 100.00 = 335.60.
    In February:
    - 02-05 invoice B, 3 hours of installation (235.95), due 2024-03-06;
    - 02-10 credit note of one kit of A (145.20);
    - 02-15 payment P2 of 200.00: 45.20 to A (paid now), 154.80 to B;
    - 02-20 payment P3 of 50.00, not allocated, reversed (bounced) on 02-25.
    """
    p = world.porta
    c = issued(p, issue_date=date(2023, 11, 1), lines=[{"product": p.product, "quantity": Decimal("1")}])
    a = issued(p, issue_date=date(2024, 1, 10), lines=[{"product": p.product, "quantity": Decimal("2")}])
    paid(p, "100.00", date(2024, 1, 20), allocations=[(a, Decimal("100.00"))], reference="P1")
    b = issued(p, issue_date=date(2024, 2, 5), lines=[{"product": p.product2, "quantity": Decimal("3")}])
    with in_scope(p.org):
        note = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=a,
            reason="A kit came back.",
            lines=[(a.lines.get(), Decimal("1"))],
            issue_date=date(2024, 2, 10),
        )
    paid(p, "200.00", date(2024, 2, 15), allocations=[(a, Decimal("45.20")), (b, Decimal("154.80"))], reference="P2")
    bounced = paid(p, "50.00", date(2024, 2, 20), reference="P3", method="cheque")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bounced, reversed_on=date(2024, 2, 25), reason="Bounced."
        )
    return {"a": a, "b": b, "c": c, "note": note}


@pytest.fixture
def mixed_invoice(world, in_scope, issued, paid):
    """Invoice M, 2024-02-05: 3 kits (360.00 + 21 % = 435.60) and 4 hours of installation
    (260.00 + 21 % = 314.60): 750.20, of which the kits 58.064516… % and the installation
    41.935483… %. Paid 333.33 on 02-10; one kit credited on 02-12 (145.20); the rest, 271.67,
    paid on 02-20."""
    p = world.porta
    m = issued(
        p,
        issue_date=date(2024, 2, 5),
        lines=[{"product": p.product, "quantity": Decimal("3")}, {"product": p.product2, "quantity": Decimal("4")}],
    )
    paid(p, "333.33", date(2024, 2, 10), allocations=[(m, Decimal("333.33"))], reference="Q")
    with in_scope(p.org):
        kits = m.lines.get(product=p.product)
        note = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=m,
            reason="A kit came back.",
            lines=[(kits, Decimal("1"))],
            issue_date=date(2024, 2, 12),
        )
    paid(p, "271.67", date(2024, 2, 20), allocations=[(m, Decimal("271.67"))], reference="R")
    return {"m": m, "note": note}
