"""The billing bench tenant, `bench-billing`, beside bench/generate.py's: 2,000 accounts (its
portfolio through bench.generate), a catalogue of 50 products, and three years of billing —
100,000 invoices of 3 lines, about 3,000 credit notes, about 90,000 payments with their
allocations (a few hundred of them reversed, a few thousand invoices paid in two parts, about
one invoice in twelve never paid) and the ledger entries of all of them — plus one account,
the busiest, with 10,000 ledger lines (its statement's worst case).

The billing rows are written set-based, in one transaction inside the tenant scope (row-level
security holds the application role to the tenant as it does the product): each table is one
INSERT … SELECT over generate_series, with ids drawn from the tables' own sequences first so
that one row's children can point at it, and "random" choices from hashint8 of the row's number,
so the same data comes out every time. The amounts are the ones billing's services write,
computed the same way (billing/totals.py's rules, in SQL): line nets rounded half-up to the cent,
tax per rate on the sum of that rate's nets, a credit note of one whole line its net and the tax
on it, payments of what is open. `verify()` recomputes a sample with billing.totals itself.

The freeze triggers (billing/migrations/0003) refuse lines on an issued invoice: invoices are
inserted as drafts, then their lines, then issued by one UPDATE (a draft may become issued)
that gives them their numbers (gapless per year, in date order) and totals. Credit notes,
payments and allocations are inserted as they end up (a reversed payment already reversed): the
triggers refuse changes, not inserts. No audit events are written for the billing rows (no
measured page reads them).

bench/billing_run.py builds it (`generate_billing`) and measures it.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Account
from bench.generate import TZ, analyze, build_organization, build_portfolio
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, LedgerEntry
from billing.selectors import with_open_amounts
from billing.totals import InvoicedLine, LineAmount, credit_amounts, document_totals
from catalog import services as catalog_services
from catalog.models import Product, TaxRate
from tenancy.models import Membership, Organization
from tenancy.scope import tenant_scope

SLUG = "bench-billing"
PEOPLE = {"account_executives": 20, "leads": 4, "teams": 4, "others": 10}
PORTFOLIO = {
    **PEOPLE,
    "clients": 1000,
    "contacts": 1000,
    "accounts": 2000,
    "activities": 2000,
    "incidents": 0,
    "objective_accounts": 0,
    "busiest_share": 0.01,
}
INVOICES = 100_000
LINES_PER_INVOICE = 3
# The busiest account's invoices: with their payments and credit notes, 10,000 ledger lines.
BUSIEST_INVOICES = 5_220
DAYS = 3 * 365  # invoices over the last three years
PRODUCTS = 50


def _h(expression: str, salt: int, modulo: int) -> str:
    """SQL: a number from 0 to modulo − 1, the same for the same row every time."""
    return f"mod(mod(hashint8(({expression})::bigint * 7919 + {salt}), {modulo}) + {modulo}, {modulo})"


@dataclass(frozen=True)
class BillingTenant:
    organization: Organization
    finance_email: str
    busiest_account_id: int
    busiest_ledger_lines: int
    # The start of the busiest account's last 1,000 ledger lines (a statement of 1,000 lines).
    thousand_lines_start: date
    first_day: date
    today: date


def build_catalogue(organization: Organization, admin: Membership) -> None:
    """50 products in 5 categories at the general, reduced and super-reduced VAT rates."""
    rates = {int(r.rate): r for r in TaxRate.objects.filter(organization=organization, is_exempt=False)}
    rng = random.Random("bench-billing-catalogue")
    categories = [
        catalog_services.category_create(organization=organization, actor=admin, name=f"Category {c}") for c in range(5)
    ]
    for n in range(PRODUCTS):
        product = catalog_services.product_create(
            organization=organization,
            actor=admin,
            sku=f"BB-{n:03d}",
            name=f"Product {n:03d}",
            category=categories[n % 5],
            tax_rate=rates[21 if n % 10 < 8 else (10 if n % 10 == 8 else 4)],
        )
        price = Decimal(rng.randrange(150, 90000)) / 100
        catalog_services.product_price_set(
            organization=organization, actor=admin, product=product, currency="EUR", list_price=price
        )


def _sql(cursor, statement: str, params: dict | None = None) -> int:
    """Run one statement; a temporary table made is analysed at once (the planner knows nothing
    of it otherwise, and guesses nested loops over hundreds of thousands of rows)."""
    started = time.monotonic()
    cursor.execute(statement, params)
    count = cursor.rowcount
    made = re.match(r"\s*CREATE TEMP TABLE (\w+)", statement)
    if made:
        cursor.execute(f"ANALYZE {made.group(1)}")
    took = time.monotonic() - started
    if took > 2:
        what = " ".join(statement.split()[:4])
        print(f"#   {what} …: {count} rows in {took:.1f}s", flush=True)
    return count


def build_billing(organization: Organization) -> dict[str, int] | None:
    """The billing rows, set-based; nothing when the tenant has invoices already."""
    if Invoice.objects.filter(organization=organization).exists():
        return None
    finance = Membership.objects.get(organization=organization, user__email=f"admin@{SLUG}.bench")
    today = timezone.localdate(timezone.now(), TZ)
    accounts = Account.objects.filter(organization=organization).count()
    p = {"org": organization.pk, "finance": finance.pk, "today": today, "tz": str(TZ)}
    n_accounts, h = accounts, _h
    made: dict[str, int] = {}
    with connection.cursor() as cursor:
        _sql(
            cursor,
            """CREATE TEMP TABLE bb_account ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id)::int AS n, id, payment_terms_days AS terms
            FROM accounts_account WHERE organization_id = %(org)s""",
            p,
        )
        _sql(
            cursor,
            """CREATE TEMP TABLE bb_product ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY pr.id)::int AS n, pr.id, pr.name, pp.list_price AS price,
                   pr.tax_rate_id, t.rate AS pct
            FROM catalog_product pr
            JOIN catalog_productprice pp ON pp.product_id = pr.id AND pp.currency = 'EUR'
            JOIN catalog_taxrate t ON t.id = pr.tax_rate_id
            WHERE pr.organization_id = %(org)s AND pr.status = 'active'""",
            p,
        )
        cursor.execute("SELECT count(*) FROM bb_product")
        (products,) = cursor.fetchone()
        # Invoices: the busiest account's first, then the others' spread over the rest.
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bb_invoice ON COMMIT DROP AS
            WITH picked AS (
                SELECT i, CASE WHEN i <= {BUSIEST_INVOICES} THEN 1 ELSE 2 + {h("i", 1, n_accounts - 1)} END AS n,
                       %(today)s::date - {h("i", 2, DAYS)}::int AS issue_date
                FROM generate_series(1, {INVOICES}) AS i
            )
            SELECT p.i, nextval(pg_get_serial_sequence('billing_invoice', 'id')) AS id, a.id AS account_id,
                   a.n AS account_n, p.issue_date, p.issue_date + a.terms AS due_date,
                   ((p.issue_date + time '09:00') AT TIME ZONE %(tz)s) AS moment
            FROM picked p JOIN bb_account a ON a.n = p.n""",
            p,
        )
        made["invoices"] = _sql(
            cursor,
            """INSERT INTO billing_invoice (id, organization_id, account_id, currency, status, issue_date, due_date,
                notes, rate_to_base, net_total, tax_total, total, created_by_id, created_at)
            SELECT id, %(org)s, account_id, 'EUR', 'draft', issue_date, due_date, '', 1, 0, 0, 0, %(finance)s, moment
            FROM bb_invoice ORDER BY id""",
            p,
        )
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bb_line ON COMMIT DROP AS
            SELECT v.id AS invoice_id, pos, pr.id AS product_id, pr.name, pr.price, pr.tax_rate_id, pr.pct,
                   q.quantity, q.discount, round(q.quantity * pr.price * (100 - q.discount) / 100, 2) AS net
            FROM bb_invoice v
            CROSS JOIN generate_series(1, {LINES_PER_INVOICE}) AS pos
            JOIN bb_product pr ON pr.n = 1 + {h("v.i * 4 + pos", 10, products)}
            CROSS JOIN LATERAL (
                SELECT (1 + {h("v.i * 4 + pos", 11, 20)})::numeric(12, 3) AS quantity,
                       CASE WHEN {h("v.i", 12, 10)} = 0 THEN 10.00 ELSE 0.00 END::numeric(5, 2) AS discount
            ) q""",
        )
        made["lines"] = _sql(
            cursor,
            """INSERT INTO billing_invoiceline (organization_id, invoice_id, position, product_id, description,
                quantity, unit_price, discount_percent, tax_rate_id, tax_percent, net)
            SELECT %(org)s, invoice_id, pos, product_id, name, quantity, price, discount, tax_rate_id, pct, net
            FROM bb_line ORDER BY invoice_id, pos""",
            p,
        )
        # billing.totals.document_totals: per rate, the tax on the sum of its nets.
        _sql(
            cursor,
            """CREATE TEMP TABLE bb_total ON COMMIT DROP AS
            SELECT invoice_id, sum(net) AS net, sum(tax) AS tax FROM (
                SELECT invoice_id, sum(net) AS net, round(sum(net) * pct / 100, 2) AS tax
                FROM bb_line GROUP BY invoice_id, tax_rate_id, pct
            ) per_rate GROUP BY invoice_id""",
        )
        # Issued in one UPDATE (draft → issued passes the freeze), numbered in date order per year.
        _sql(
            cursor,
            """UPDATE billing_invoice b
            SET status = 'issued', number = n.number, net_total = t.net, tax_total = t.tax, total = t.net + t.tax,
                issued_by_id = %(finance)s, issued_at = n.moment
            FROM bb_total t JOIN (
                SELECT id, moment, extract(year FROM issue_date)::int || '-' || lpad(
                    row_number() OVER (PARTITION BY extract(year FROM issue_date) ORDER BY issue_date, id)::text,
                    6, '0') AS number
                FROM bb_invoice
            ) n ON n.id = t.invoice_id
            WHERE b.id = t.invoice_id""",
            p,
        )
        _sql(
            cursor,
            """INSERT INTO billing_numberseries (organization_id, kind, year, last_number)
            SELECT %(org)s, 'invoice', extract(year FROM issue_date)::int, count(*) FROM bb_invoice GROUP BY 3""",
            p,
        )
        # Credit notes: about one invoice in 33 credited of its first line, whole, three days on.
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bb_credit ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('billing_creditnote', 'id')) AS id, v.i, v.id AS invoice_id,
                   v.account_id, least(v.issue_date + 3, %(today)s::date) AS issue_date, v.moment,
                   il.id AS invoice_line_id, l.quantity, l.tax_rate_id, l.pct, l.net,
                   round(l.net * l.pct / 100, 2) AS tax
            FROM bb_invoice v
            JOIN bb_line l ON l.invoice_id = v.id AND l.pos = 1
            JOIN billing_invoiceline il ON il.invoice_id = v.id AND il.position = 1
            WHERE {h("v.i", 20, 33)} = 0""",
            p,
        )
        made["credit_notes"] = _sql(
            cursor,
            """INSERT INTO billing_creditnote (id, organization_id, number, invoice_id, account_id, currency,
                rate_to_base, issue_date, reason, net_total, tax_total, total, created_by_id, created_at)
            SELECT id, %(org)s, 'R' || extract(year FROM issue_date)::int || '-' || lpad(
                       row_number() OVER (PARTITION BY extract(year FROM issue_date) ORDER BY issue_date, id)::text,
                       6, '0'),
                   invoice_id, account_id, 'EUR', 1, issue_date, 'Returned goods', net, tax, net + tax,
                   %(finance)s, moment + interval '3 days'
            FROM bb_credit ORDER BY id""",
            p,
        )
        _sql(
            cursor,
            """INSERT INTO billing_creditnoteline (organization_id, credit_note_id, invoice_line_id, quantity,
                tax_rate_id, tax_percent, net)
            SELECT %(org)s, id, invoice_line_id, quantity, tax_rate_id, pct, net FROM bb_credit ORDER BY id""",
            p,
        )
        _sql(
            cursor,
            """INSERT INTO billing_numberseries (organization_id, kind, year, last_number)
            SELECT %(org)s, 'credit_note', extract(year FROM issue_date)::int, count(*) FROM bb_credit GROUP BY 3""",
            p,
        )
        # Payments of what is open after the credit note: most accounts around the due date, one
        # in ten 20-40 days late; one invoice in twelve never paid; one in forty in two parts, a
        # fortnight apart; a payment received after today is not there yet.
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bb_plan ON COMMIT DROP AS
            SELECT v.id AS invoice_id, v.i, v.account_id, v.account_n, v.moment,
                   t.net + t.tax - coalesce(c.net + c.tax, 0) AS owed,
                   greatest(v.issue_date, v.due_date + CASE WHEN mod(v.account_n, 10) = 0 THEN 20 ELSE -10 END
                       + {h("v.i", 30, 21)}::int) AS pay_date,
                   {h("v.i", 32, 40)} = 0 AS in_parts
            FROM bb_invoice v JOIN bb_total t ON t.invoice_id = v.id LEFT JOIN bb_credit c ON c.invoice_id = v.id
            WHERE {h("v.i", 31, 12)} <> 0""",
        )
        _sql(
            cursor,
            f"""CREATE TEMP TABLE bb_payment ON COMMIT DROP AS
            SELECT nextval(pg_get_serial_sequence('billing_payment', 'id')) AS id, x.*,
                   CASE WHEN {h("x.i * 2 + x.part", 33, 500)} = 0 AND x.received_on + 5 <= %(today)s::date
                        THEN x.received_on + 5 END AS reversed_on
            FROM (
                SELECT invoice_id, i, account_id, account_n, moment, 1 AS part, pay_date AS received_on,
                       CASE WHEN in_parts THEN round(owed / 2, 2) ELSE owed END AS amount
                FROM bb_plan
                UNION ALL
                SELECT invoice_id, i, account_id, account_n, moment, 2, pay_date + 14, owed - round(owed / 2, 2)
                FROM bb_plan WHERE in_parts
            ) x
            WHERE x.received_on <= %(today)s::date""",
            p,
        )
        made["payments"] = _sql(
            cursor,
            """INSERT INTO billing_payment (id, organization_id, account_id, currency, amount, received_on, method,
                reference, rate_to_base, recorded_by_id, created_at, reversed_on, reversal_reason, reversed_by_id,
                reversed_at)
            SELECT y.id, %(org)s, y.account_id, 'EUR', y.amount, y.received_on,
                   CASE WHEN mod(y.account_n, 5) = 1 THEN 'direct_debit' ELSE 'transfer' END,
                   'TRF ' || b.number, 1, %(finance)s,
                   ((y.received_on + time '10:00') AT TIME ZONE %(tz)s), y.reversed_on,
                   CASE WHEN y.reversed_on IS NULL THEN '' ELSE 'Returned by the bank' END,
                   CASE WHEN y.reversed_on IS NULL THEN NULL ELSE %(finance)s END,
                   ((y.reversed_on + time '10:00') AT TIME ZONE %(tz)s)
            FROM bb_payment y JOIN billing_invoice b ON b.id = y.invoice_id ORDER BY y.id""",
            p,
        )
        made["allocations"] = _sql(
            cursor,
            """INSERT INTO billing_allocation (organization_id, payment_id, invoice_id, amount, allocated_on,
                created_by_id, created_at, reversed_at, reversed_on, reversal)
            SELECT %(org)s, id, invoice_id, amount, received_on, %(finance)s,
                   ((received_on + time '10:00') AT TIME ZONE %(tz)s),
                   ((reversed_on + time '10:00') AT TIME ZONE %(tz)s), reversed_on,
                   CASE WHEN reversed_on IS NULL THEN '' ELSE 'payment_reversed' END
            FROM bb_payment ORDER BY id""",
            p,
        )
        made["reversed_payments"] = _sql(cursor, "SELECT 1 FROM bb_payment WHERE reversed_on IS NOT NULL")
        # The ledger: what billing.services._post writes for each document (rate 1: all in euros).
        made["ledger_entries"] = _sql(
            cursor,
            """INSERT INTO billing_ledgerentry (organization_id, account_id, entry_date, kind, invoice_id,
                credit_note_id, payment_id, debit, credit, currency, rate, base_debit, base_credit, created_at)
            SELECT %(org)s, account_id, entry_date, kind, invoice_id, credit_note_id, payment_id, debit, credit,
                   'EUR', 1, debit, credit, created_at
            FROM (
                SELECT b.account_id, b.issue_date AS entry_date, 'invoice' AS kind, b.id AS invoice_id,
                       NULL::bigint AS credit_note_id, NULL::bigint AS payment_id, b.total AS debit,
                       0::numeric AS credit, b.issued_at AS created_at
                FROM billing_invoice b JOIN bb_invoice v ON v.id = b.id
                UNION ALL
                SELECT account_id, issue_date, 'credit_note', NULL, id, NULL, 0, net + tax, moment FROM bb_credit
                UNION ALL
                SELECT account_id, received_on, 'payment', NULL, NULL, id, 0, amount, moment FROM bb_payment
                UNION ALL
                SELECT account_id, reversed_on, 'payment_reversal', NULL, NULL, id, amount, 0, moment
                FROM bb_payment WHERE reversed_on IS NOT NULL
            ) entries
            ORDER BY entry_date, kind, coalesce(invoice_id, credit_note_id, payment_id)""",
            p,
        )
    return made


def verify(organization: Organization, sample: int = 300) -> dict[str, int]:
    """What the SQL wrote, against billing's own arithmetic: a sample of invoices' totals
    (billing.totals.document_totals over their lines), every sampled credit note
    (billing.totals.credit_amounts), and, for every invoice, that nothing is overpaid and that
    the ledger's balance is what is open less the account's unallocated credit (none here)."""
    rng = random.Random("bench-billing-verify")
    ids = list(Invoice.objects.filter(organization=organization).values_list("pk", flat=True))
    checked = rng.sample(ids, min(sample, len(ids)))
    lines: dict[int, list[InvoiceLine]] = {}
    for line in InvoiceLine.objects.filter(organization=organization, invoice_id__in=checked):
        lines.setdefault(line.invoice_id, []).append(line)
    wrong = []
    for invoice in Invoice.objects.filter(organization=organization, pk__in=checked):
        totals = document_totals(
            LineAmount((li.tax_rate_id, li.tax_percent), li.tax_percent, li.net) for li in lines[invoice.pk]
        )
        if (totals.net, totals.tax, totals.total) != (invoice.net_total, invoice.tax_total, invoice.total):
            wrong.append(("invoice", invoice.pk))
    notes = list(
        CreditNote.objects.filter(organization=organization)
        .order_by("pk")[: sample // 3]
        .values_list("pk", "invoice_id", "net_total", "tax_total", "total")
    )
    invoice_lines: dict[int, dict[int, InvoicedLine]] = {}
    for line in InvoiceLine.objects.filter(organization=organization, invoice_id__in=[n[1] for n in notes]):
        invoice_lines.setdefault(line.invoice_id, {})[line.pk] = InvoicedLine(
            line.quantity, line.net, (line.tax_rate_id, line.tax_percent), line.tax_percent
        )
    credited = dict(
        CreditNoteLine.objects.filter(organization=organization, credit_note_id__in=[n[0] for n in notes])
        .values_list("credit_note_id", "invoice_line_id")
        .order_by()
    )
    for pk, invoice_id, net, tax, total in notes:
        line_id = credited[pk]
        amounts = credit_amounts(invoice_lines[invoice_id], {}, {line_id: invoice_lines[invoice_id][line_id].quantity})
        if (amounts.totals.net, amounts.totals.tax, amounts.totals.total) != (net, tax, total):
            wrong.append(("credit_note", pk))
    overpaid = (
        with_open_amounts(Invoice.objects.filter(organization=organization))
        .filter(total__lt=F("credited") + F("paid"))
        .count()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM (
                SELECT l.account_id, sum(l.debit - l.credit) AS balance FROM billing_ledgerentry l
                WHERE l.organization_id = %s GROUP BY l.account_id
            ) led FULL JOIN (
                SELECT b.account_id, sum(b.total - coalesce(c.s, 0) - coalesce(a.s, 0)) AS open
                FROM billing_invoice b
                LEFT JOIN (SELECT invoice_id, sum(total) s FROM billing_creditnote GROUP BY 1) c ON c.invoice_id = b.id
                LEFT JOIN (SELECT invoice_id, sum(amount) s FROM billing_allocation WHERE reversed_at IS NULL
                           GROUP BY 1) a ON a.invoice_id = b.id
                WHERE b.organization_id = %s GROUP BY b.account_id
            ) inv USING (account_id)
            WHERE led.balance IS DISTINCT FROM inv.open""",
            [organization.pk, organization.pk],
        )
        (unbalanced,) = cursor.fetchone()
    return {
        "invoices_checked": len(checked),
        "credit_notes_checked": len(notes),
        "wrong": len(wrong),
        "overpaid": overpaid,
        "unbalanced_accounts": unbalanced,
    }


def tenant_facts(organization: Organization) -> BillingTenant:
    """What the measurements need: the busiest account, its ledger size, the day its last
    1,000 lines start."""
    today = timezone.localdate(timezone.now(), TZ)
    ledger = LedgerEntry.objects.filter(organization=organization)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT account_id, count(*) FROM billing_ledgerentry WHERE organization_id = %s
            GROUP BY account_id ORDER BY 2 DESC, 1 LIMIT 1""",
            [organization.pk],
        )
        account_id, lines = cursor.fetchone()
    entries = ledger.filter(account_id=account_id).order_by("-entry_date", "-id").values_list("entry_date", flat=True)
    return BillingTenant(
        organization=organization,
        finance_email=f"admin@{SLUG}.bench",
        busiest_account_id=account_id,
        busiest_ledger_lines=lines,
        thousand_lines_start=entries[999],
        first_day=today - timedelta(days=DAYS),
        today=today,
    )


def generate_billing() -> BillingTenant:
    """Build (once) and describe the billing bench tenant."""
    started = time.monotonic()
    organization = build_organization(SLUG, PEOPLE, random.Random(f"{SLUG}-people"))
    portfolio = build_portfolio(organization, PORTFOLIO, random.Random(SLUG))
    with transaction.atomic(), tenant_scope(organization):
        if not Product.objects.filter(organization=organization).exists():
            admin = Membership.objects.get(organization=organization, user__email=f"admin@{SLUG}.bench")
            build_catalogue(organization, admin)
        made = build_billing(organization)
    if portfolio or made:
        print(
            f"# tenant {SLUG} ready in {time.monotonic() - started:.1f}s: "
            + ", ".join(f"{n} {what}" for what, n in (portfolio or {}).items() | (made or {}).items()),
            flush=True,
        )
        started = time.monotonic()
        analyze()
        print(f"# statistics analyzed in {time.monotonic() - started:.1f}s", flush=True)
    with transaction.atomic(), tenant_scope(organization):
        return tenant_facts(organization)
