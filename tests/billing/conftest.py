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
