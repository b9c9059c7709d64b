"""The worked example of the receivables tests, built through billing's services: porta's books
on AS_OF (30 June 2025), before any document of tests.factories.build_billing (those are dated
in the last weeks before today).

Porta Account (ae's, in the team; EUR) has ten invoices of 290.40 (2 × the sensor kit at 120.00
+ 21 %), issued on 2 January 2025 and due 0, 1, 30, 31, 60, 61, 90, 91, 120 and 121 days before
AS_OF:

    due   bucket     on AS_OF   what happened to it
      0   current     290.40
      1   1–30        190.40    paid 100.00 on 10 June
     30   1–30        290.40
     31   31–60       145.20    one kit credited on 15 June (145.20)
     60   31–60       290.40
     61   61–90       290.40    paid in full on 5 May, the payment reversed on 20 May (open again)
     90   61–90       290.40
     91   91–120      240.40    paid 50.00 on 1 June by a payment reversed after AS_OF, on 10 July
    120   91–120      290.40    paid in full on 5 July, after AS_OF
    121   over 120    290.40

and 75.00 received on 25 June and allocated to nothing: its credit. Third account (ae's, in the
team; EUR) has one invoice of 290.40 issued on 1 April, due 45 days before AS_OF (31–60).
Second account (ae2's, no team; USD) has one invoice of 314.60 dollars (2 × 130.00 + 21 %) at
0.9 euros the dollar (283.14), issued on 1 June and due on AS_OF (current).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction

from accounts import services as accounts_services
from billing import services
from catalog.models import ProductPrice
from tenancy.scope import tenant_scope

D = Decimal
AS_OF = date(2025, 6, 30)
DAYS_LATE = (0, 1, 30, 31, 60, 61, 90, 91, 120, 121)


def _issue(o, account, issue_date: date, due_date: date, **fields):
    invoice = services.invoice_create(
        organization=o.org,
        actor=o.finance,
        account=account,
        issue_date=issue_date,
        due_date=due_date,
        lines=[{"product": o.product, "quantity": D("2")}],
        **fields,
    )
    return services.invoice_issue(organization=o.org, actor=o.finance, invoice=invoice)


def _pay(o, account, amount: str, received_on: date, allocations=None):
    return services.payment_record(
        organization=o.org,
        actor=o.finance,
        account=account,
        amount=D(amount),
        received_on=received_on,
        allocations=allocations,
    )


def build(world) -> SimpleNamespace:
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        third = accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Third account",
            owner=p.ae,
            sales_team=p.team,
            currency="EUR",
        )
        dollars = accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Second account", owner=p.ae2, currency="USD"
        )
        ProductPrice.objects.create(organization=p.org, product=p.product, currency="USD", list_price=D("130.00"))
        invoices = {days: _issue(p, p.account, date(2025, 1, 2), AS_OF - timedelta(days=days)) for days in DAYS_LATE}
        _pay(p, p.account, "100.00", date(2025, 6, 10), [(invoices[1], D("100.00"))])
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoices[31],
            reason="One kit returned",
            lines=[(invoices[31].lines.get(), D("1"))],
            issue_date=date(2025, 6, 15),
        )
        bounced = _pay(p, p.account, "290.40", date(2025, 5, 5), [(invoices[61], D("290.40"))])
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bounced, reversed_on=date(2025, 5, 20), reason="Bounced"
        )
        bounced_later = _pay(p, p.account, "50.00", date(2025, 6, 1), [(invoices[91], D("50.00"))])
        services.payment_reverse(
            organization=p.org,
            actor=p.finance,
            payment=bounced_later,
            reversed_on=date(2025, 7, 10),
            reason="Bounced after the end of June",
        )
        _pay(p, p.account, "290.40", date(2025, 7, 5), [(invoices[120], D("290.40"))])
        credit = _pay(p, p.account, "75.00", date(2025, 6, 25))
        third_invoice = _issue(p, third, date(2025, 4, 1), AS_OF - timedelta(days=45))
        dollar_invoice = _issue(p, dollars, date(2025, 6, 1), AS_OF, rate_to_base=D("0.9"))
    return SimpleNamespace(
        invoices=invoices,
        third=third,
        third_invoice=third_invoice,
        dollars=dollars,
        dollar_invoice=dollar_invoice,
        credit=credit,
    )
