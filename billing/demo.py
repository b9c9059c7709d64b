"""The demo's billing behind `manage.py seed_demo`: a year of invoices from the demo catalogue,
credit notes and payments for each demo organisation's accounts, with the habits finance meets:

- most accounts pay on time (by transfer around the due date, some by direct debit on it);
- three always pay 20 to 40 days late;
- one pays every invoice in two or three parts;
- one direct debit bounces: the payment is reversed, and the client pays again by transfer;
- an account at risk stopped paying a few months ago: its recent invoices are open and overdue;
- three credit notes: a duplicate invoice credited whole, part of an invoice credited before it
  was paid, and part of a paid one afterwards (the money released is the account's credit, which
  finance allocates to its next invoice);
- two draft invoices, not issued yet.

Everything goes through billing's services, in date order, so the numbering (gapless per year),
the ledger, the allocations and the audit trail are what the product itself writes. The moments
the services stamp (`issued_at`, `created_at`, the audit's) are the seed's: the documents carry
their own dates (issue, due, received, reversed), and the triggers keep issued documents as
they were written.

Deterministic for a given day: every date is a number of days before today, in the
organisation's time zone (so the counts do not depend on the day the seed runs), and the
choices come from a generator of billing's own, seeded by the organisation's slug, not from the
one the other seeds share (their draws depend on the calendar: month ends, quarters).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from django.utils import timezone

from accounts.models import Account
from billing import services
from billing.models import Invoice, InvoiceLine, Payment, PaymentMethod
from billing.selectors import invoice_open_amounts, payment_unallocated
from billing.totals import cents
from catalog.models import Product, ProductPrice
from tenancy.models import Membership, Organization

YEAR = 365
# Invoices every this many days, by the account's tier.
CADENCES = {"strategic": [30], "key": [30, 61], "growth": [61, 91], "standard": [91]}
# The accounts invoiced: this many active ones (or at risk), two dormant and one closed. Each
# invoice goes through the services, numbered, posted and audited, and `make run` seeds them on
# SQLite: about 120 invoices an organisation keep the seed within seconds.
BILLED = {"active": 20, "dormant": 2, "closed": 1}
LATE_PAYERS = 3
# An invoice this dear is a project, invoiced once, not a recurring line.
PROJECT_PRICE = Decimal("2500")
# Same-day order: invoices are issued before they are credited, paid, or their payment bounces.
ISSUE, CREDIT, PAY, REVERSE = range(4)

TEXTS = {
    "ca": {
        "duplicate": "Factura duplicada: el servei ja es va facturar a la factura {number}.",
        "returned": "Rectificació: {quantity} de «{line}» no s'han lliurat.",
        "complaint": "Abonament per una incidència en el servei: es descompta «{line}».",
        "bounced": "Rebut retornat pel banc: fons insuficients.",
    },
    "es": {
        "duplicate": "Factura duplicada: el servicio ya se facturó en la factura {number}.",
        "returned": "Rectificación: {quantity} de «{line}» no se entregaron.",
        "complaint": "Abono por una incidencia en el servicio: se descuenta «{line}».",
        "bounced": "Recibo devuelto por el banco: fondos insuficientes.",
    },
}


@dataclass
class _Document:
    """An invoice to come: its date, its lines, and, once issued, the invoice."""

    issue_date: date
    lines: list[dict]
    invoice: Invoice | None = None
    payments: list[Payment] = field(default_factory=list)
    # Credited whole, never paid (a duplicate).
    unpaid: bool = False


@dataclass
class _Plan:
    account: Account
    habit: str  # on_time, late, parts, bounce, stalled
    method: str
    basket: list[Product]
    documents: list[_Document] = field(default_factory=list)
    # Payments with money left after a credit note released part of what they paid.
    credit: list[Payment] = field(default_factory=list)


def seed_billing(organization: Organization, memberships: dict[str, Membership], rng: Random) -> dict[str, int] | None:
    """Give a demo organisation a year of billing. Nothing happens, and None comes back, when it
    has invoices already (the seed is idempotent) or no catalogue to invoice from. Runs inside
    the caller's transaction and tenant scope; finance keeps the books. `rng` is not drawn from
    (see the module's notes)."""
    if Invoice.objects.filter(organization=organization).exists():
        return None
    if not Product.objects.filter(organization=organization).exists():
        return None
    with timezone.override(zoneinfo.ZoneInfo(organization.time_zone)):
        return _Seeder(
            organization, memberships["finance"], Random(f"accountdesk-demo-billing-{organization.slug}")
        ).run()


class _Seeder:
    def __init__(self, organization: Organization, finance: Membership, rng: Random):
        self.org, self.finance, self.rng = organization, finance, rng
        self.today = timezone.localdate()
        self.texts = TEXTS.get(organization.default_language, TEXTS["es"])
        self.events: list[tuple[date, int, int, Callable[[], None]]] = []
        self.counts = {"invoices": 0, "draft invoices": 0, "credit notes": 0, "payments": 0, "reversed payments": 0}

    def at(self, day: date, order: int, action: Callable[[], None]) -> None:
        self.events.append((day, order, len(self.events), action))

    def run(self) -> dict[str, int]:
        plans = self.plan_accounts()
        for plan in plans:
            self.plan_payments(plan)
        self.plan_credit_notes(plans)
        for _day, _order, _seq, action in sorted(self.events, key=lambda event: event[:3]):
            action()
        self.draft_invoices(plans)
        return self.counts

    # The plan ------------------------------------------------------------------------------------

    def products(self) -> tuple[list[Product], dict[int, Decimal]]:
        """The products on sale with a price in euros (the demo's accounts all invoice in euros)."""
        prices = dict(
            ProductPrice.objects.filter(organization=self.org, currency="EUR", product__status="active").values_list(
                "product_id", "list_price"
            )
        )
        products = list(Product.objects.filter(organization=self.org, pk__in=prices).order_by("sku"))
        return products, prices

    def plan_accounts(self) -> list[_Plan]:
        rng, today = self.rng, self.today
        products, self.prices = self.products()
        recurring = [p for p in products if self.prices[p.pk] < PROJECT_PRICE]
        projects = [p for p in products if self.prices[p.pk] >= PROJECT_PRICE]
        accounts = {status: [] for status in BILLED}
        for account in Account.objects.filter(organization=self.org).order_by("pk"):
            status = "active" if account.status == "at_risk" else account.status
            if status in accounts and (today - account.start_date).days >= 40:
                accounts[status].append(account)
        plans = []
        for status, count in BILLED.items():
            for account in rng.sample(accounts[status], min(count, len(accounts[status]))):
                plans.append(self.plan_account(account, recurring, projects))
        plans = sorted((p for p in plans if p.documents), key=lambda p: p.account.pk)
        self.assign_habits(plans)
        for plan in plans:
            for document in plan.documents:
                self.at(document.issue_date, ISSUE, lambda plan=plan, document=document: self.issue(plan, document))
        return plans

    def plan_account(self, account: Account, recurring: list[Product], projects: list[Product]) -> _Plan:
        """An account's invoices: every `cadence` days from when it started (a year ago at
        most) until today, or until it went quiet (dormant) or closed; a project once in a while."""
        rng, today = self.rng, self.today
        last = {"dormant": rng.randint(60, 120), "closed": rng.randint(150, 240)}.get(account.status, 0)
        first = min(YEAR - 5, (today - account.start_date).days - 5)
        cadence = rng.choice(CADENCES[account.tier])
        method = PaymentMethod.DIRECT_DEBIT if rng.random() < 0.2 else PaymentMethod.TRANSFER
        plan = _Plan(account=account, habit="on_time", method=method, basket=rng.sample(recurring, rng.randint(2, 3)))
        project_at = rng.randint(last, first) if projects and first >= last and rng.random() < 0.25 else None
        offset = last + rng.randint(0, max(0, min(cadence - 1, first - last)))
        while offset <= first:
            lines = self.invoice_lines(plan)
            if project_at is not None and offset >= project_at:
                lines.insert(0, {"product": rng.choice(projects), "quantity": Decimal(1)})
                project_at = None
            plan.documents.append(_Document(issue_date=today - timedelta(days=offset), lines=lines))
            offset += cadence
        plan.documents.sort(key=lambda d: d.issue_date)
        return plan

    def invoice_lines(self, plan: _Plan) -> list[dict]:
        rng = self.rng
        chosen = rng.sample(plan.basket, rng.randint(1, 2))
        discount = Decimal(rng.choice([5, 10])) if plan.account.tier in ("strategic", "key") else Decimal(0)
        return [
            {"product": product, "quantity": self.quantity(product), "discount_percent": discount} for product in chosen
        ]

    def quantity(self, product: Product) -> Decimal:
        rng, price = self.rng, self.prices[product.pk]
        if product.unit in ("month", "year"):
            return Decimal(1)
        if product.unit == "hour":
            return Decimal(rng.choice([4, 6, 8, 10, 12, 16, 20]))
        if product.unit == "day":
            return Decimal(rng.randint(1, 3))
        if product.unit == "metre":
            return Decimal(rng.randrange(10, 210, 10))
        if price < 15:
            return Decimal(rng.randrange(10, 210, 10))
        if price < 100:
            return Decimal(rng.randint(2, 24))
        return Decimal(rng.randint(1, 3))

    def assign_habits(self, plans: list[_Plan]) -> None:
        """Who pays how, among the active accounts (or at risk) invoiced all year: one stopped
        paying a few months ago (one at risk, if any is), three pay late, one in parts, one by
        direct debit that bounces once."""
        rng = self.rng
        regular = [p for p in plans if p.account.status in ("active", "at_risk") and len(p.documents) >= 4]
        stalled = rng.choice([p for p in regular if p.account.status == "at_risk"] or regular)
        stalled.habit = "stalled"
        others = [p for p in regular if p is not stalled]
        rng.shuffle(others)
        for plan, habit in zip(others, ["late"] * LATE_PAYERS + ["parts", "bounce"], strict=False):
            plan.habit = habit
            plan.method = PaymentMethod.DIRECT_DEBIT if habit == "bounce" else PaymentMethod.TRANSFER

    def plan_payments(self, plan: _Plan) -> None:
        rng, today, terms = self.rng, self.today, plan.account.payment_terms_days
        bounced = None
        if plan.habit == "bounce":
            # A direct debit of the spring before last summer: old enough to have been paid again.
            candidates = [d for d in plan.documents if 100 <= (today - d.issue_date).days <= 250]
            bounced = candidates[0] if candidates else None
        for document in plan.documents:
            due = document.issue_date + timedelta(days=terms)
            if plan.habit == "stalled" and (today - document.issue_date).days < 150:
                continue
            if plan.habit == "late":
                self.pay_at(plan, document, due + timedelta(days=rng.randint(20, 40)))
            elif plan.habit == "parts":
                parts = rng.choice([[Decimal("0.5")], [Decimal("0.4"), Decimal("0.3")]])
                day = due - timedelta(days=rng.randint(0, 5))
                for share in [*parts, None]:
                    self.pay_at(plan, document, max(day, document.issue_date + timedelta(days=1)), share)
                    day += timedelta(days=rng.randint(14, 21))
            elif plan.method == PaymentMethod.DIRECT_DEBIT:
                self.pay_at(plan, document, due)
                if document is bounced:
                    returned = due + timedelta(days=rng.randint(3, 6))
                    self.reverse_at(plan, document, returned)
                    self.pay_at(plan, document, returned + timedelta(days=rng.randint(8, 15)), PaymentMethod.TRANSFER)
            else:
                delay = rng.choices([rng.randint(-10, -1), rng.randint(0, 3), rng.randint(4, 12)], [50, 35, 15])[0]
                self.pay_at(plan, document, max(due + timedelta(days=delay), document.issue_date + timedelta(days=1)))

    def pay_at(self, plan: _Plan, document: _Document, day: date, share: Decimal | str | None = None) -> None:
        """A payment of `document` on `day` (if it has come): of `share` of its total, or of what
        is open on it then; `share` may name another method instead (a transfer after a bounce)."""
        if day > self.today:
            return
        method = plan.method
        if isinstance(share, str):
            method, share = share, None
        self.at(day, PAY, lambda: self.pay(plan, document, day, method, share))

    def reverse_at(self, plan: _Plan, document: _Document, day: date) -> None:
        if day <= self.today:
            self.at(day, REVERSE, lambda: self.reverse(document, day))

    def plan_credit_notes(self, plans: list[_Plan]) -> None:
        """A duplicate invoice credited whole; part of an invoice credited before it is paid;
        part of a paid invoice credited after, its money the account's credit until finance
        allocates it to the next invoice. All on accounts that pay on time."""
        rng, today = self.rng, self.today
        on_time = [p for p in plans if p.habit == "on_time" and p.account.status == "active" and len(p.documents) >= 4]
        rng.shuffle(on_time)

        def pick(low: int, high: int, fits: Callable[[list[dict]], bool]) -> tuple[_Plan, _Document]:
            """An account paying on time with an invoice from `low` to `high` days ago that fits."""
            for plan in on_time:
                fitting = [d for d in plan.documents if low <= (today - d.issue_date).days <= high and fits(d.lines)]
                if fitting:
                    on_time.remove(plan)
                    return plan, rng.choice(fitting)
            raise ValueError("No invoice of the demo fits this credit note.")

        # 1. A duplicate, issued the same day as its original and credited whole a few days later.
        plan, original = pick(60, 300, lambda lines: True)
        duplicate = _Document(issue_date=original.issue_date, lines=original.lines, unpaid=True)
        plan.documents.append(duplicate)
        self.at(duplicate.issue_date, ISSUE, lambda: self.issue(plan, duplicate))
        day = original.issue_date + timedelta(days=6)
        self.at(
            day,
            CREDIT,
            lambda: self.credit(
                duplicate, day, self.texts["duplicate"].format(number=original.invoice.number), whole=True
            ),
        )
        # 2. Part of a line not delivered, credited two days after the invoice, before it is paid.
        _plan, returned = pick(60, 300, lambda lines: any(line["quantity"] > 1 for line in lines))
        returned_on = returned.issue_date + timedelta(days=2)
        self.at(returned_on, CREDIT, lambda: self.credit_part(returned, returned_on, "returned"))
        # 3. A line of a paid invoice credited after a complaint: the money paid for it is the
        # account's credit until its next invoice.
        complainer, complaint = pick(150, 300, lambda lines: len(lines) > 1)
        complained_on = complaint.issue_date + timedelta(days=complainer.account.payment_terms_days + 20)
        self.at(complained_on, CREDIT, lambda: self.credit_part(complaint, complained_on, "complaint", complainer))

    # What happens ---------------------------------------------------------------------------------

    def issue(self, plan: _Plan, document: _Document) -> None:
        draft = services.invoice_create(
            organization=self.org,
            actor=self.finance,
            account=plan.account,
            issue_date=document.issue_date,
            lines=document.lines,
        )
        document.invoice = services.invoice_issue(organization=self.org, actor=self.finance, invoice=draft)
        self.counts["invoices"] += 1

    def pay(self, plan: _Plan, document: _Document, day: date, method: str, share: Decimal | None) -> None:
        if document.unpaid:
            return
        invoice = document.invoice
        # In cents: on SQLite a computed amount comes back with twelve decimal places.
        left = cents(invoice_open_amounts(organization=self.org, invoice_ids=[invoice.pk])[invoice.pk])
        # Money the account has on credit goes to this invoice first.
        while plan.credit and left > 0:
            payment = plan.credit[0]
            take = min(left, cents(payment_unallocated(organization=self.org, payment=payment)))
            if take > 0:
                services.payment_allocate(
                    organization=self.org, actor=self.finance, payment=payment, allocations=[(invoice, take)]
                )
                left -= take
            if take <= 0 or payment_unallocated(organization=self.org, payment=payment) <= 0:
                plan.credit.pop(0)
        amount = left if share is None else min(left, cents(invoice.total * share))
        if amount <= 0:
            return
        prefix = "SEPA" if method == PaymentMethod.DIRECT_DEBIT else "TRF"
        document.payments.append(
            services.payment_record(
                organization=self.org,
                actor=self.finance,
                account=plan.account,
                amount=amount,
                received_on=day,
                method=method,
                reference=f"{prefix} {invoice.number}",
                allocations=[(invoice, amount)],
            )
        )
        self.counts["payments"] += 1

    def reverse(self, document: _Document, day: date) -> None:
        services.payment_reverse(
            organization=self.org,
            actor=self.finance,
            payment=document.payments[-1],
            reversed_on=day,
            reason=self.texts["bounced"],
        )
        self.counts["reversed payments"] += 1

    def credit(self, document: _Document, day: date, reason: str, **how) -> None:
        services.credit_note_create(
            organization=self.org, actor=self.finance, invoice=document.invoice, reason=reason, issue_date=day, **how
        )
        self.counts["credit notes"] += 1

    def credit_part(self, document: _Document, day: date, kind: str, plan: _Plan | None = None) -> None:
        lines = list(InvoiceLine.objects.filter(organization=self.org, invoice=document.invoice).order_by("position"))
        if kind == "returned":
            line = max(lines, key=lambda li: li.quantity)
            quantity = max(Decimal(1), (line.quantity / 4).to_integral_value()) if line.quantity > 1 else line.quantity
        else:
            line, quantity = lines[-1], lines[-1].quantity
        reason = self.texts[kind].format(quantity=f"{quantity.normalize():f}", line=line.description)
        self.credit(document, day, reason, lines=[(line, quantity)])
        if plan is not None:
            plan.credit.extend(document.payments)

    def draft_invoices(self, plans: list[_Plan]) -> None:
        """Next month's invoices of two accounts invoiced monthly, prepared but not issued."""
        monthly = [p for p in plans if p.habit == "on_time" and p.account.status == "active"]
        for plan in self.rng.sample(monthly, 2):
            services.invoice_create(
                organization=self.org, actor=self.finance, account=plan.account, lines=self.invoice_lines(plan)
            )
            self.counts["draft invoices"] += 1
