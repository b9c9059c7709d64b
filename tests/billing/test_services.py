"""billing.services: what finance does, with exact figures, and every refusal with its exact
sentence and nothing written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from accounts import services as accounts_services
from billing import selectors, services
from billing.models import (
    Allocation,
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    NumberSeries,
    Payment,
)
from catalog.models import Product, ProductPrice, TaxRate
from tenancy.models import AuditEvent
from tenancy.selectors import audit_display
from tests.billing.conftest import ISSUED_ON
from tests.factories import add_member
from tests.tenancy.isolation import snapshot

D = Decimal


def _audit(org, in_scope, action):
    with in_scope(org):
        return list(
            AuditEvent.objects.filter(action=action).order_by("id").values_list("actor", "object_id", "changes")
        )


def _ledger(org, in_scope, **filters):
    with in_scope(org):
        return list(
            LedgerEntry.objects.filter(**filters)
            .order_by("id")
            .values_list("kind", "entry_date", "debit", "credit", "base_debit", "base_credit")
        )


def _open(org, in_scope, invoice):
    with in_scope(org):
        return selectors.invoice_open_amounts(organization=org, invoice_ids=[invoice.pk])[invoice.pk]


def _vat10(o, in_scope):
    with in_scope(o.org):
        return TaxRate.objects.get(organization=o.org, rate=D("10.00"))  # every organisation starts with it


def _second_account(o, in_scope, **fields):
    with in_scope(o.org):
        return accounts_services.account_create(
            organization=o.org, actor=o.admin, client=o.client, name="Second account", owner=o.ae, **fields
        )


# --- Drafts -----------------------------------------------------------------------------------------


def test_finance_creates_a_draft_whose_totals_are_computed_per_rate_and_audited(world, in_scope):
    # given
    p = world.porta
    vat10 = _vat10(p, in_scope)
    # when
    with in_scope(p.org):
        invoice = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            lines=[
                {"product": p.product, "quantity": D("3"), "discount_percent": D("12.50")},
                {"description": " Installation ", "quantity": D("1.5"), "unit_price": D("33.33"), "tax_rate": vat10},
            ],
        )
        stored = Invoice.objects.values_list(
            "status",
            "number",
            "currency",
            "issue_date",
            "due_date",
            "notes",
            "rate_to_base",
            "net_total",
            "tax_total",
            "total",
        ).get(pk=invoice.pk)
        lines = list(
            InvoiceLine.objects.filter(invoice=invoice)
            .order_by("position")
            .values_list("position", "product", "description", "quantity", "unit_price", "tax_percent", "net")
        )
    # then 3 × 120.00 less 12.5 % = 315.00 and 1.5 × 33.33 = 49.995 → 50.00; 21 % of 315.00, 10 % of 50.00
    assert stored == (
        "draft",
        None,
        "EUR",
        None,
        None,
        "Payment by bank transfer.",
        D("1"),
        D("365.00"),
        D("71.15"),
        D("436.15"),
    )
    assert lines == [
        (1, p.product.pk, "Sensor kit", D("3.000"), D("120.00"), D("21.00"), D("315.00")),
        (2, None, "Installation", D("1.500"), D("33.33"), D("10.00"), D("50.00")),
    ]
    actor, object_id, changes = _audit(p.org, in_scope, "invoice.create")[-1]
    assert (actor, object_id, changes["status"], changes["total"]) == (
        p.finance.user.pk,
        invoice.pk,
        [None, "draft"],
        [None, "436.15"],
    )
    assert [line["net"] for line in changes["lines"][1]] == ["315.00", "50.00"]


def test_a_draft_dated_at_creation_is_due_after_the_accounts_payment_terms(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        invoice = services.invoice_create(organization=p.org, actor=p.finance, account=p.account, issue_date=ISSUED_ON)
    assert (invoice.issue_date, invoice.due_date) == (date(2024, 3, 1), date(2024, 3, 31))


def test_a_drafts_lines_are_added_changed_and_removed_and_its_totals_follow(world, in_scope):
    # given a draft with one kit
    p = world.porta
    vat10 = _vat10(p, in_scope)
    with in_scope(p.org):
        invoice = services.invoice_create(
            organization=p.org, actor=p.finance, account=p.account, lines=[{"product": p.product, "quantity": D("1")}]
        )
        # when a free-text line is added, the kit's quantity changed and the first line removed
        extra = services.invoice_line_add(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            description="Training",
            quantity=D("2"),
            unit_price=D("0.07"),
            tax_rate=p.vat21,
        )
        first = invoice.lines.get(position=1)
        services.invoice_line_update(organization=p.org, actor=p.finance, line=first, quantity=D("2"))
        after_update = Invoice.objects.values_list("net_total", "tax_total", "total").get(pk=invoice.pk)
        services.invoice_line_update(organization=p.org, actor=p.finance, line=extra, tax_rate=vat10)
        services.invoice_line_remove(organization=p.org, actor=p.finance, line=first)
        after_remove = Invoice.objects.values_list("net_total", "tax_total", "total").get(pk=invoice.pk)
        remaining = list(invoice.lines.values_list("position", "description", "tax_percent", "net"))
    # then 240.00 + 0.14 at 21 % (0.14 × 21 % = 0.0294 → 0.03 with the kits' 50.40: 50.43), then 0.14 at 10 %
    assert after_update == (D("240.14"), D("50.43"), D("290.57"))
    assert after_remove == (D("0.14"), D("0.01"), D("0.15"))
    assert remaining == [(2, "Training", D("10.00"), D("0.14"))]
    assert [changes["line"][0]["quantity"] for _a, _o, changes in _audit(p.org, in_scope, "invoice.line_update")] == [
        "1.000",
        "2.000",
    ]


def test_changing_a_lines_product_brings_its_price_name_and_rate(world, in_scope):
    # given a draft line of the kit, and another product
    p = world.porta
    vat10 = _vat10(p, in_scope)
    with in_scope(p.org):
        cable = Product.objects.create(organization=p.org, sku="PORTA-CBL", name="Cable", tax_rate=vat10)
        ProductPrice.objects.create(organization=p.org, product=cable, currency="EUR", list_price=D("9.99"))
        invoice = services.invoice_create(
            organization=p.org, actor=p.finance, account=p.account, lines=[{"product": p.product, "quantity": D("1")}]
        )
        # when
        line = services.invoice_line_update(
            organization=p.org, actor=p.finance, line=invoice.lines.get(), product=cable
        )
    # then
    assert (line.description, line.unit_price, line.tax_rate_id, line.net) == ("Cable", D("9.99"), vat10.pk, D("9.99"))


def test_a_due_date_that_followed_the_terms_follows_a_new_issue_date(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        invoice = services.invoice_create(organization=p.org, actor=p.finance, account=p.account, issue_date=ISSUED_ON)
        moved = services.invoice_update(
            organization=p.org, actor=p.finance, invoice=invoice, issue_date=date(2024, 4, 1)
        )
        fixed = services.invoice_update(organization=p.org, actor=p.finance, invoice=invoice, due_date=date(2024, 6, 1))
        kept = services.invoice_update(
            organization=p.org, actor=p.finance, invoice=invoice, issue_date=date(2024, 4, 2)
        )
    assert [moved.due_date, fixed.due_date, kept.due_date] == [date(2024, 5, 1), date(2024, 6, 1), date(2024, 6, 1)]
    assert [c.get("due_date") for _a, _o, c in _audit(p.org, in_scope, "invoice.update")] == [
        ["2024-03-31", "2024-05-01"],
        ["2024-05-01", "2024-06-01"],
        None,
    ]


def test_a_draft_is_deleted_with_its_lines(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        invoice = services.invoice_create(
            organization=p.org, actor=p.finance, account=p.account, lines=[{"product": p.product, "quantity": D("1")}]
        )
        services.invoice_delete(organization=p.org, actor=p.finance, invoice=invoice)
        left = (
            Invoice.objects.filter(pk=invoice.pk).count(),
            InvoiceLine.objects.filter(invoice_id=invoice.pk).count(),
        )
    assert left == (0, 0)
    assert _audit(p.org, in_scope, "invoice.delete")[0][2]["total"] == ["145.20", None]


def test_an_invoice_in_another_currency_keeps_its_rate_and_the_ledger_its_base_amounts(world, in_scope, issued):
    # given an account in US dollars, the kit priced in dollars
    p = world.porta
    dollars = _second_account(p, in_scope, currency="USD")
    with in_scope(p.org):
        ProductPrice.objects.create(organization=p.org, product=p.product, currency="USD", list_price=D("130.00"))
    # when
    invoice = issued(p, account=dollars, rate_to_base=D("0.92345678"))
    # then 260.00 + 54.60 = 314.60 USD, 290.52 EUR (290.519503… rounded half up)
    assert (invoice.currency, invoice.total) == ("USD", D("314.60"))
    assert _ledger(p.org, in_scope, invoice=invoice) == [
        ("invoice", ISSUED_ON, D("314.60"), D("0.00"), D("290.52"), D("0.00"))
    ]


# --- Issuing --------------------------------------------------------------------------------------------


def test_issuing_numbers_dates_totals_and_writes_the_ledger_debit(world, in_scope):
    # given a draft dated 1 March 2024
    p = world.porta
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            issue_date=ISSUED_ON,
            lines=[{"product": p.product, "quantity": D("2")}],
        )
        # when
        invoice = services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
        stored = Invoice.objects.values_list("status", "number", "issue_date", "due_date", "total", "issued_by").get(
            pk=draft.pk
        )
    # then
    assert stored == ("issued", "2024-000001", ISSUED_ON, date(2024, 3, 31), D("290.40"), p.finance.pk)
    assert _ledger(p.org, in_scope, invoice=invoice) == [
        ("invoice", ISSUED_ON, D("290.40"), D("0.00"), D("290.40"), D("0.00"))
    ]
    actor, _id, changes = _audit(p.org, in_scope, "invoice.issue")[-1]
    assert changes == {"status": ["draft", "issued"], "number": [None, "2024-000001"]}


def test_the_audit_trail_says_what_finance_did_in_the_readers_language(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        events = audit_display(
            list(AuditEvent.objects.filter(object_type__startswith="billing.").order_by("id")), organization=p.org
        )
        with translation.override("es"):
            spanish = [str(event.display_action) for event in events]
    assert [(event.action, str(event.display_action)) for event in events] == [
        ("settings.billing", "changed the billing settings"),
        ("risk_policy.create", "set the first version of the risk policy"),
        ("invoice.create", "created the draft invoice"),
        ("invoice.issue", "issued the invoice"),
        ("creditnote.create", "issued the credit note"),
        ("payment.create", "recorded the payment"),
    ]
    assert spanish[3] == "emitió la factura"


def test_an_undated_draft_is_issued_today_and_due_after_the_terms(world, in_scope):
    p = world.porta
    today = timezone.localdate()
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org, actor=p.finance, account=p.account, lines=[{"product": p.product, "quantity": D("1")}]
        )
        invoice = services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
    assert (invoice.issue_date, invoice.due_date, invoice.number[:5]) == (
        today,
        today + timedelta(days=30),
        f"{today.year}-",
    )


def test_numbers_are_gapless_per_year_and_a_refused_or_rolled_back_issue_gives_its_number_back(world, in_scope, issued):
    # given two invoices of 2024 and one of 2025
    p = world.porta
    first, second = issued(p), issued(p, issue_date=date(2024, 12, 31))
    next_year = issued(p, issue_date=date(2025, 1, 2))
    # when an issue is rolled back, and another refused (the account moved to dollars since its draft)
    with in_scope(p.org):
        draft = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            issue_date=ISSUED_ON,
            lines=[{"product": p.product, "quantity": D("1")}],
        )
        try:
            with transaction.atomic():
                services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
                raise RuntimeError("the request failed after issuing")
        except RuntimeError:
            pass
        accounts_services.account_update(organization=p.org, actor=p.admin, account=p.account, currency="USD")
    with pytest.raises(Exception, match="The account is billed in USD: use its currency."), in_scope(p.org):
        services.invoice_issue(organization=p.org, actor=p.finance, invoice=draft)
    with in_scope(p.org):
        accounts_services.account_update(organization=p.org, actor=p.admin, account=p.account, currency="EUR")
    last = issued(p, issue_date=date(2024, 6, 1))
    # then
    assert [first.number, second.number, next_year.number, last.number] == [
        "2024-000001",
        "2024-000002",
        "2025-000001",
        "2024-000003",
    ]
    with in_scope(p.org):
        series = sorted(NumberSeries.objects.filter(year__in=[2024, 2025]).values_list("kind", "year", "last_number"))
    assert series == [("invoice", 2024, 3), ("invoice", 2025, 1)]


# --- Credit notes ----------------------------------------------------------------------------------------


def test_a_credit_note_credits_part_of_a_line_in_its_own_series_and_the_ledger(world, in_scope, issued):
    # given an invoice of two kits (290.40)
    p = world.porta
    invoice = issued(p)
    # when one kit is credited, then the rest
    with in_scope(p.org):
        line = invoice.lines.get()
        first = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            reason="One kit returned",
            lines=[(line, D("1"))],
            issue_date=date(2024, 4, 1),
        )
        rest = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            reason="Cancelled",
            whole=True,
            issue_date=date(2024, 4, 2),
        )
        notes = list(
            CreditNote.objects.filter(invoice=invoice)
            .order_by("id")
            .values_list("number", "issue_date", "net_total", "tax_total", "total")
        )
        note_lines = list(
            CreditNoteLine.objects.filter(invoice_line=line)
            .order_by("id")
            .values_list("quantity", "tax_percent", "net")
        )
    # then
    assert notes == [
        ("R2024-000001", date(2024, 4, 1), D("120.00"), D("25.20"), D("145.20")),
        ("R2024-000002", date(2024, 4, 2), D("120.00"), D("25.20"), D("145.20")),
    ]
    assert note_lines == [(D("1.000"), D("21.00"), D("120.00")), (D("1.000"), D("21.00"), D("120.00"))]
    assert _ledger(p.org, in_scope, credit_note__invoice=invoice) == [
        ("credit_note", date(2024, 4, 1), D("0.00"), D("145.20"), D("0.00"), D("145.20")),
        ("credit_note", date(2024, 4, 2), D("0.00"), D("145.20"), D("0.00"), D("145.20")),
    ]
    assert _open(p.org, in_scope, invoice) == D("0.00")
    assert (first.number, rest.number) == ("R2024-000001", "R2024-000002")
    assert _audit(p.org, in_scope, "creditnote.create")[-1][2]["lines"] == [
        None,
        [{"invoice_line": line.pk, "quantity": "1.000"}],
    ]


def test_crediting_a_paid_invoice_gives_the_excess_back_to_the_payment_as_account_credit(world, in_scope, issued, paid):
    # given an invoice of 290.40 paid in two payments of 190.40 and 100.00
    p = world.porta
    invoice = issued(p)
    older = paid(p, "190.40", allocations=[(invoice, D("190.40"))])
    newer = paid(p, "100.00", received_on=date(2024, 3, 5), allocations=[(invoice, D("100.00"))])
    # when one of its two kits is credited (145.20)
    with in_scope(p.org):
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            reason="One kit returned",
            lines=[(invoice.lines.get(), D("1"))],
            issue_date=date(2024, 3, 20),
        )
        allocations = list(
            Allocation.objects.filter(invoice=invoice)
            .order_by("id")
            .values_list("payment", "amount", "allocated_on", "reversed_on", "reversal")
        )
        left = [selectors.payment_unallocated(organization=p.org, payment=pay) for pay in (older, newer)]
    # then the newest allocation ends, the older is cut to what the invoice still asks (145.20)
    assert allocations == [
        (older.pk, D("190.40"), date(2024, 3, 1), date(2024, 3, 20), "invoice_credited"),
        (newer.pk, D("100.00"), date(2024, 3, 5), date(2024, 3, 20), "invoice_credited"),
        (older.pk, D("145.20"), date(2024, 3, 20), None, ""),
    ]
    assert left == [D("45.20"), D("100.00")]
    assert _open(p.org, in_scope, invoice) == D("0.00")
    assert _audit(p.org, in_scope, "creditnote.create")[-1][2]["released_to_account_credit"] == [None, "145.20"]


# --- Payments -----------------------------------------------------------------------------------------------


def test_a_payment_is_recorded_in_the_ledger_and_allocated_in_part(world, in_scope, issued):
    # given two invoices of 290.40
    p = world.porta
    older, newer = issued(p), issued(p, issue_date=date(2024, 3, 5))
    # when 400.00 is received and 300.00 allocated
    with in_scope(p.org):
        payment = services.payment_record(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            amount=D("400.00"),
            received_on=date(2024, 3, 10),
            method="direct_debit",
            reference=" SEPA-7 ",
            allocations=[(older, D("290.40")), (newer, D("9.60"))],
        )
        more = services.payment_allocate(
            organization=p.org, actor=p.finance, payment=payment, allocations=[(newer, D("100.00"))]
        )
        left = selectors.payment_unallocated(organization=p.org, payment=payment)
        stored = Payment.objects.values_list("amount", "method", "reference", "recorded_by").get(pk=payment.pk)
    # then
    assert stored == (D("400.00"), "direct_debit", "SEPA-7", p.finance.pk)
    assert (left, _open(p.org, in_scope, older), _open(p.org, in_scope, newer)) == (D("0.00"), D("0.00"), D("180.80"))
    assert [(a.invoice_id, a.amount, a.allocated_on) for a in more] == [(newer.pk, D("100.00"), date(2024, 3, 10))]
    assert _ledger(p.org, in_scope, payment=payment) == [
        ("payment", date(2024, 3, 10), D("0.00"), D("400.00"), D("0.00"), D("400.00"))
    ]
    created = _audit(p.org, in_scope, "payment.create")[-1][2]
    assert created["allocations"] == [
        None,
        [{"invoice": older.pk, "amount": "290.40"}, {"invoice": newer.pk, "amount": "9.60"}],
    ]
    assert _audit(p.org, in_scope, "payment.allocate")[-1][2] == {
        "allocations": [None, [{"invoice": newer.pk, "amount": "100.00"}]]
    }


def test_an_allocation_applies_from_the_later_of_its_payments_and_invoices_dates(world, in_scope, issued, paid):
    p = world.porta
    early = paid(p, "50.00", received_on=date(2024, 1, 15))
    invoice = issued(p, issue_date=date(2024, 2, 1))
    with in_scope(p.org):
        (allocation,) = services.payment_allocate(
            organization=p.org, actor=p.finance, payment=early, allocations=[(invoice, D("50.00"))]
        )
    assert allocation.allocated_on == date(2024, 2, 1)


def test_the_proposal_allocates_oldest_due_first(world, in_scope, issued, paid):
    # given three invoices due 31 Mar, 30 Apr and 15 Apr (the last with 15 days' terms)
    p = world.porta
    march, april = issued(p), issued(p, issue_date=date(2024, 3, 31))
    with in_scope(p.org):
        short = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            issue_date=date(2024, 3, 31),
            due_date=date(2024, 4, 15),
            lines=[{"product": p.product, "quantity": D("2")}],
        )
        short = services.invoice_issue(organization=p.org, actor=p.finance, invoice=short)
    payment = paid(p, "400.00", received_on=date(2024, 4, 1))
    # when
    with in_scope(p.org):
        proposal = selectors.payment_allocation_proposal(organization=p.org, payment=payment)
    # then (the world's own invoice, overdue since long before, first)
    assert [(invoice.pk, amount) for invoice, amount in proposal] == [(march.pk, D("290.40")), (short.pk, D("109.60"))]
    assert april.due_date == date(2024, 4, 30)


def test_a_reversed_payment_ends_its_allocations_and_debits_the_ledger_back(world, in_scope, issued, paid):
    # given a payment of 300.00 allocated to an invoice of 290.40
    p = world.porta
    invoice = issued(p)
    payment = paid(p, "300.00", received_on=date(2024, 3, 10), allocations=[(invoice, D("290.40"))])
    # when it bounces
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org,
            actor=p.finance,
            payment=payment,
            reversed_on=date(2024, 3, 14),
            reason=" Returned by the bank ",
        )
        stored = Payment.objects.values_list("reversed_on", "reversal_reason", "reversed_by").get(pk=payment.pk)
        allocation = Allocation.objects.values_list("amount", "reversed_on", "reversal").get(payment=payment)
        left = selectors.payment_unallocated(organization=p.org, payment=Payment.objects.get(pk=payment.pk))
    # then
    assert stored == (date(2024, 3, 14), "Returned by the bank", p.finance.pk)
    assert allocation == (D("290.40"), date(2024, 3, 14), "payment_reversed")
    assert (left, _open(p.org, in_scope, invoice)) == (D("0.00"), D("290.40"))
    assert _ledger(p.org, in_scope, payment=payment) == [
        ("payment", date(2024, 3, 10), D("0.00"), D("300.00"), D("0.00"), D("300.00")),
        ("payment_reversal", date(2024, 3, 14), D("300.00"), D("0.00"), D("300.00"), D("0.00")),
    ]
    assert _audit(p.org, in_scope, "payment.reverse")[0][2] == {
        "reversed_on": [None, "2024-03-14"],
        "reversal_reason": [None, "Returned by the bank"],
        "allocations_ended": [0, 1],
    }


def test_finance_sets_the_billing_settings(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.billing_settings_update(organization=p.org, actor=p.finance, statements_monthly=True, statement_day=5)
        stored = BillingSettings.objects.values_list("statements_monthly", "statement_day", "invoice_notes").get()
    assert stored == (True, 5, "Payment by bank transfer.")
    assert _audit(p.org, in_scope, "settings.billing")[-1][2] == {
        "statements_monthly": [False, True],
        "statement_day": [1, 5],
    }


# --- Bad input: each refused with its sentence, nothing written ------------------------------------------------


def _create(o, **fields):
    values = {"account": o.account, "lines": [{"product": o.product, "quantity": D("1")}]} | fields
    return lambda: services.invoice_create(organization=o.org, actor=o.finance, **values)


def _line(o, **fields):
    return _create(o, lines=[{"product": o.product, "quantity": D("1")} | fields])


@pytest.mark.parametrize(
    ("call", "message", "fields"),
    [
        (
            lambda o: _line(o, quantity=D("0")),
            "The quantity must be more than zero.",
            {"lines.0.quantity": "The quantity must be more than zero."},
        ),
        (
            lambda o: _line(o, quantity=D("-1")),
            "The quantity must be more than zero.",
            {"lines.0.quantity": "The quantity must be more than zero."},
        ),
        (
            lambda o: _line(o, discount_percent=D("100.5")),
            "A discount is a percentage from 0 to 100.",
            {"lines.0.discount_percent": "A discount is a percentage from 0 to 100."},
        ),
        (
            lambda o: _line(o, unit_price=D("10.999")),
            "At most two decimals.",
            {"lines.0.unit_price": "At most two decimals."},
        ),
        (
            lambda o: _line(o, unit_price=D("1000000000000.00")),
            "That amount is too large.",
            {"lines.0.unit_price": "That amount is too large."},
        ),
        (
            lambda o: _create(o, lines=[{"quantity": D("1"), "unit_price": D("5.00")}]),
            "Some fields need attention.",
            {
                "lines.0.description": "Describe the line, or choose a product.",
                "lines.0.tax_rate": "Choose a tax rate.",
            },
        ),
        (
            lambda o: _create(o, currency="USD"),
            "The account is billed in EUR: use its currency.",
            {"currency": "The account is billed in EUR: use its currency."},
        ),
        (
            lambda o: _create(o, issue_date=date(2024, 3, 10), due_date=date(2024, 3, 9)),
            "The due date cannot be before the issue date.",
            {"due_date": "The due date cannot be before the issue date."},
        ),
        (
            lambda o: _create(o, rate_to_base=D("1.2")),
            "EUR is the organisation's base currency: its rate is 1.",
            {"rate_to_base": "EUR is the organisation's base currency: its rate is 1."},
        ),
        (
            lambda o: _create(
                o, lines=[{"product": o.product, "quantity": D("8000"), "unit_price": D("99999999.99")}] * 2
            ),
            "The invoice's total would be too large: split it into several invoices.",
            {"lines": "The invoice's total would be too large."},
        ),
    ],
)
def test_a_draft_with_bad_input_is_refused_and_nothing_is_written(world, refused, call, message, fields):
    error, unchanged = refused(world.porta.org, call(world.porta))
    assert (error.message, error.extra, unchanged) == (message, fields, True)


def test_a_line_on_an_obsolete_product_is_refused_naming_its_replacement(world, refused):
    p = world.porta
    error, unchanged = refused(p.org, _create(p, lines=[{"product": p.old_product, "quantity": D("1")}]))
    assert (error.message, error.extra, unchanged) == (
        "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit.",
        {"lines.0.product": "PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit."},
        True,
    )


def test_a_product_without_a_price_in_the_invoices_currency_needs_one_given(world, in_scope, refused):
    p = world.porta
    dollars = _second_account(p, in_scope, currency="USD")
    error, unchanged = refused(p.org, _create(p, account=dollars, rate_to_base=D("0.9")))
    assert (error.message, error.extra, unchanged) == (
        "PORTA-001 · Sensor kit has no price in USD: give a unit price.",
        {"lines.0.unit_price": "PORTA-001 · Sensor kit has no price in USD: give a unit price."},
        True,
    )


def test_an_invoice_in_another_currency_needs_its_rate(world, in_scope, refused):
    p = world.porta
    dollars = _second_account(p, in_scope, currency="USD")
    error, unchanged = refused(p.org, _create(p, account=dollars, lines=[]))
    assert (error.message, error.extra, unchanged) == (
        "Give the rate from USD to EUR, the organisation's base currency.",
        {"rate_to_base": "This field is required."},
        True,
    )


def test_a_retired_tax_rate_is_refused_on_a_new_line(world, in_scope, refused):
    p = world.porta
    with in_scope(p.org):
        TaxRate.objects.filter(pk=p.vat21.pk).update(is_active=False)
    error, unchanged = refused(p.org, _create(p))
    assert (error.message, error.extra, unchanged) == (
        "VAT 21% is no longer in use: choose another rate.",
        {"lines.0.tax_rate": "VAT 21% is no longer in use: choose another rate."},
        True,
    )


def test_another_organisations_account_is_refused(world, refused):
    p, n = world.porta, world.nordwind
    for call in (
        _create(p, account=n.account, lines=[]),
        lambda: services.payment_record(
            organization=p.org, actor=p.finance, account=n.account, amount=D("1.00"), received_on=ISSUED_ON
        ),
    ):
        error, unchanged = refused(p.org, call)
        assert (error.message, error.extra, unchanged) == (
            "Choose an account of this organisation.",
            {"account": "Choose an account of this organisation."},
            True,
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda o: services.invoice_update(organization=o.org, actor=o.finance, invoice=o.invoice, notes="Corrected"),
        lambda o: services.invoice_line_add(
            organization=o.org, actor=o.finance, invoice=o.invoice, product=o.product, quantity=D("1")
        ),
        lambda o: services.invoice_line_update(
            organization=o.org, actor=o.finance, line=o.invoice_line, quantity=D("9")
        ),
        lambda o: services.invoice_line_remove(organization=o.org, actor=o.finance, line=o.invoice_line),
        lambda o: services.invoice_delete(organization=o.org, actor=o.finance, invoice=o.invoice),
    ],
)
def test_an_issued_invoice_cannot_be_edited_through_any_service(world, refused, call):
    error, unchanged = refused(world.porta.org, lambda: call(world.porta))
    assert (error.status, error.code, error.message, unchanged) == (
        409,
        "invoice_issued",
        "An issued invoice cannot be changed: correct it with a credit note.",
        True,
    )


def test_issuing_twice_an_empty_draft_or_one_of_zero_is_refused(world, in_scope, refused):
    p = world.porta
    with in_scope(p.org):
        empty = services.invoice_create(organization=p.org, actor=p.finance, account=p.account)
        free = services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            lines=[{"product": p.product, "quantity": D("1"), "unit_price": D("0")}],
        )
    answers = []
    for invoice in (p.invoice, empty, free):
        error, unchanged = refused(
            p.org, lambda invoice=invoice: services.invoice_issue(organization=p.org, actor=p.finance, invoice=invoice)
        )
        answers.append((error.status, error.message, error.extra, unchanged))
    assert answers == [
        (409, "This invoice has been issued already.", {}, True),
        (400, "An invoice needs at least one line to be issued.", {"lines": "Add at least one line."}, True),
        (400, "An invoice is issued for an amount above zero.", {"lines": "The lines add up to zero."}, True),
    ]


def test_another_organisations_invoice_is_not_found_and_nothing_is_written(world, in_scope):
    p, n = world.porta, world.nordwind
    before = snapshot()
    for call in (
        lambda: services.invoice_issue(organization=p.org, actor=p.finance, invoice=n.invoice),
        lambda: services.credit_note_create(
            organization=p.org, actor=p.finance, invoice=n.invoice, reason="x", whole=True
        ),
        lambda: services.payment_reverse(
            organization=p.org, actor=p.finance, payment=n.payment, reversed_on=ISSUED_ON, reason="x"
        ),
        lambda: services.invoice_line_remove(organization=p.org, actor=p.finance, line=n.invoice_line),
    ):
        with pytest.raises((Invoice.DoesNotExist, Payment.DoesNotExist, InvoiceLine.DoesNotExist)), in_scope(p.org):
            call()
    assert snapshot() == before


def _credit(o, **fields):
    values = {"invoice": o.invoice, "reason": "Returned"} | fields
    return lambda: services.credit_note_create(organization=o.org, actor=o.finance, **values)


@pytest.mark.parametrize(
    ("call", "message", "fields"),
    [
        (
            lambda o: _credit(o, lines=[(o.invoice_line, D("3"))]),
            "You cannot credit more than was invoiced: 2.000 of line 1 (Sensor kit) is left to credit.",
            {"lines.0.quantity": "At most 2.000."},
        ),
        (
            lambda o: _credit(o, lines=[(o.invoice_line, D("0"))]),
            "The quantity must be more than zero.",
            {"lines.0.quantity": "The quantity must be more than zero."},
        ),
        (
            lambda o: _credit(o),
            "Credit the whole invoice, or choose the lines and quantities to credit.",
            {"lines": "Choose the lines to credit."},
        ),
        (
            lambda o: _credit(o, lines=[(o.invoice_line, D("1")), (o.invoice_line, D("1"))]),
            "Credit each line once.",
            {"lines.1.invoice_line": "Credit each line once."},
        ),
        (
            lambda o: _credit(o, whole=True, reason=" "),
            "Say why the invoice is credited.",
            {"reason": "Say why the invoice is credited."},
        ),
        (
            lambda o: _credit(o, whole=True, issue_date=o.invoice.issue_date - timedelta(days=1)),
            "A credit note cannot be dated before its invoice ({date}).",
            {"issue_date": "A credit note cannot be dated before its invoice ({date})."},
        ),
    ],
)
def test_a_bad_credit_note_is_refused_and_nothing_is_written(world, refused, call, message, fields):
    p = world.porta
    error, unchanged = refused(p.org, call(p))
    issued_on = p.invoice.issue_date.isoformat()
    assert (error.message, error.extra, unchanged) == (
        message.format(date=issued_on),
        {k: v.format(date=issued_on) for k, v in fields.items()},
        True,
    )


def test_crediting_a_line_of_another_invoice_a_draft_or_what_is_credited_in_full_is_refused(
    world, in_scope, refused, issued
):
    p, n = world.porta, world.nordwind
    other = issued(p)
    with in_scope(p.org):
        draft = services.invoice_create(organization=p.org, actor=p.finance, account=p.account)
        services.credit_note_create(
            organization=p.org, actor=p.finance, invoice=other, reason="All", whole=True, issue_date=ISSUED_ON
        )
        others_line = other.lines.get()
    answers = []
    for call in (
        _credit(p, lines=[(others_line, D("1"))]),
        _credit(p, lines=[(n.invoice_line, D("1"))]),
        _credit(p, invoice=draft, whole=True),
        _credit(p, invoice=other, whole=True),
    ):
        error, unchanged = refused(p.org, call)
        answers.append((error.message, error.extra, unchanged))
    assert answers == [
        ("Choose a line of this invoice.", {"lines.0.invoice_line": "Choose a line of this invoice."}, True),
        ("Choose a line of this invoice.", {"lines.0.invoice_line": "Choose a line of this invoice."}, True),
        ("A draft is not credited: change it or delete it.", {"invoice": "Choose an issued invoice."}, True),
        ("This invoice has been credited in full already.", {}, True),
    ]


def _allocate(o, payment, pairs):
    return lambda: services.payment_allocate(organization=o.org, actor=o.finance, payment=payment, allocations=pairs)


def test_allocating_more_than_is_open_on_either_side_is_refused(world, refused, paid):
    # given the world's invoice, 90.40 open, and its payment of 200.00, allocated in full
    p = world.porta
    fresh = paid(p, "100.00")
    answers = []
    for call in (_allocate(p, fresh, [(p.invoice, D("90.41"))]), _allocate(p, p.payment, [(p.invoice, D("0.01"))])):
        error, unchanged = refused(p.org, call)
        answers.append((error.message, error.extra, unchanged))
    assert answers == [
        (
            f"You cannot allocate more than is open on invoice {p.invoice.number}: €90.40.",
            {"allocations.0.amount": "At most €90.40."},
            True,
        ),
        ("You cannot allocate more than the payment has left: €0.00.", {"allocations": "At most €0.00 in all."}, True),
    ]


def test_allocating_to_what_is_not_an_open_invoice_of_the_account_is_refused(world, in_scope, refused, paid, issued):
    p, n = world.porta, world.nordwind
    elsewhere = issued(p, account=_second_account(p, in_scope))
    with in_scope(p.org):
        draft = services.invoice_create(organization=p.org, actor=p.finance, account=p.account)
    fresh = paid(p, "100.00")
    answers = []
    for pairs in (
        [(elsewhere, D("1.00"))],
        [(draft, D("1.00"))],
        [(n.invoice, D("1.00"))],
        [(p.invoice, D("0"))],
        [(p.invoice, D("1.001"))],
        [(p.invoice, D("1.00")), (p.invoice, D("2.00"))],
        [],
    ):
        error, unchanged = refused(p.org, _allocate(p, fresh, pairs))
        answers.append((error.message, error.extra, unchanged))
    assert answers == [
        (
            "Allocate a payment to invoices of its own account.",
            {"allocations.0.invoice": "Allocate a payment to invoices of its own account."},
            True,
        ),
        ("Only an issued invoice can be paid.", {"allocations.0.invoice": "Only an issued invoice can be paid."}, True),
        (
            "Choose an invoice of this organisation.",
            {"allocations.0.invoice": "Choose an invoice of this organisation."},
            True,
        ),
        ("It must be more than zero.", {"allocations.0.amount": "It must be more than zero."}, True),
        ("At most two decimals.", {"allocations.0.amount": "At most two decimals."}, True),
        ("Allocate to each invoice once.", {"allocations.1.invoice": "Allocate to each invoice once."}, True),
        ("Choose at least one invoice to allocate the payment to.", {"allocations": "Choose an invoice."}, True),
    ]


@pytest.mark.parametrize(
    ("fields", "message", "errors"),
    [
        ({"amount": D("0")}, "It must be more than zero.", {"amount": "It must be more than zero."}),
        ({"amount": D("12.345")}, "At most two decimals.", {"amount": "At most two decimals."}),
        ({"amount": D("1e12")}, "That amount is too large.", {"amount": "That amount is too large."}),
        (
            {"currency": "GBP"},
            "The account is billed in EUR: use its currency.",
            {"currency": "The account is billed in EUR: use its currency."},
        ),
        ({"method": "barter"}, "Choose a value from the list.", {"method": "Choose a value from the list."}),
        (
            {"received_on": date(1850, 1, 1)},
            "Enter a date from 1900 to 2100.",
            {"received_on": "Enter a date from 1900 to 2100."},
        ),
    ],
)
def test_a_payment_with_bad_input_is_refused_and_nothing_is_written(world, refused, fields, message, errors):
    p = world.porta
    values = {"account": p.account, "amount": D("10.00"), "received_on": ISSUED_ON} | fields
    error, unchanged = refused(p.org, lambda: services.payment_record(organization=p.org, actor=p.finance, **values))
    assert (error.message, error.extra, unchanged) == (message, errors, True)


def test_reversing_twice_or_without_a_reason_or_before_receipt_is_refused(world, in_scope, refused, paid):
    p = world.porta
    bounced = paid(p, "10.00")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bounced, reversed_on=ISSUED_ON, reason="Bounced"
        )
    answers = []
    for payment, day, reason in (
        (bounced, ISSUED_ON, "Again"),
        (p.payment, p.payment.received_on, " "),
        (p.payment, p.payment.received_on - timedelta(days=1), "Bounced"),
    ):
        error, unchanged = refused(
            p.org,
            lambda payment=payment, day=day, reason=reason: services.payment_reverse(
                organization=p.org, actor=p.finance, payment=payment, reversed_on=day, reason=reason
            ),
        )
        answers.append((error.status, error.message, error.extra, unchanged))
    error, unchanged = refused(p.org, _allocate(p, bounced, [(p.invoice, D("1.00"))]))
    assert answers + [(error.status, error.message, error.extra, unchanged)] == [
        (409, "This payment has been reversed already.", {}, True),
        (400, "Say why the payment is reversed.", {"reason": "Say why the payment is reversed."}, True),
        (
            400,
            "A payment cannot be reversed before it was received.",
            {"reversed_on": "A payment cannot be reversed before it was received."},
            True,
        ),
        (409, "This payment has been reversed: it cannot be allocated.", {}, True),
    ]


def test_bad_billing_settings_are_refused(world, refused):
    p = world.porta
    error, unchanged = refused(
        p.org, lambda: services.billing_settings_update(organization=p.org, actor=p.finance, statement_day=31)
    )
    assert (error.message, error.extra, unchanged) == (
        "A day of the month from 1 to 28.",
        {"statement_day": "A day of the month from 1 to 28."},
        True,
    )


# --- Who may: the role matrix ----------------------------------------------------------------------------------

WRITES = {
    "invoice_create": (
        lambda o, actor: services.invoice_create(organization=o.org, actor=actor, account=o.account),
        "Only finance creates and changes invoices.",
    ),
    "invoice_update": (
        lambda o, actor: services.invoice_update(organization=o.org, actor=actor, invoice=o.draft, notes="New"),
        "Only finance creates and changes invoices.",
    ),
    "invoice_line_add": (
        lambda o, actor: services.invoice_line_add(
            organization=o.org, actor=actor, invoice=o.draft, product=o.product, quantity=D("1")
        ),
        "Only finance creates and changes invoices.",
    ),
    "invoice_line_update": (
        lambda o, actor: services.invoice_line_update(
            organization=o.org, actor=actor, line=o.draft.lines.get(), quantity=D("2")
        ),
        "Only finance creates and changes invoices.",
    ),
    "invoice_line_remove": (
        lambda o, actor: services.invoice_line_remove(organization=o.org, actor=actor, line=o.draft.lines.get()),
        "Only finance creates and changes invoices.",
    ),
    "invoice_delete": (
        lambda o, actor: services.invoice_delete(organization=o.org, actor=actor, invoice=o.draft),
        "Only finance creates and changes invoices.",
    ),
    "invoice_issue": (
        lambda o, actor: services.invoice_issue(organization=o.org, actor=actor, invoice=o.draft),
        "Only finance issues invoices.",
    ),
    "credit_note_create": (
        lambda o, actor: services.credit_note_create(
            organization=o.org, actor=actor, invoice=o.invoice, reason="Returned", whole=True
        ),
        "Only finance credits invoices.",
    ),
    "payment_record": (
        lambda o, actor: services.payment_record(
            organization=o.org, actor=actor, account=o.account, amount=D("5.00"), received_on=ISSUED_ON
        ),
        "Only finance records payments.",
    ),
    "payment_allocate": (
        lambda o, actor: services.payment_allocate(
            organization=o.org, actor=actor, payment=o.spare, allocations=[(o.invoice, D("5.00"))]
        ),
        "Only finance allocates payments.",
    ),
    "payment_reverse": (
        lambda o, actor: services.payment_reverse(
            organization=o.org, actor=actor, payment=o.payment, reversed_on=timezone.localdate(), reason="Bounced"
        ),
        "Only finance reverses payments.",
    ),
    "billing_settings_update": (
        lambda o, actor: services.billing_settings_update(organization=o.org, actor=actor, statement_day=3),
        "Only finance changes the billing settings.",
    ),
}


@pytest.mark.parametrize("service", WRITES)
def test_only_finance_writes_the_books_and_who_cannot_see_the_account_is_told_it_is_not_there(
    world, in_scope, refused, paid, service
):
    # given a draft, a spare payment, and an account executive who does not see the account
    p = world.porta
    call, message = WRITES[service]
    outsider = add_member(p.org, "ae3", ["account_executive"])
    with in_scope(p.org):
        p.draft = services.invoice_create(
            organization=p.org, actor=p.finance, account=p.account, lines=[{"product": p.product, "quantity": D("1")}]
        )
    p.spare = paid(p, "5.00")
    # when each role tries
    answers = {}
    for role, actor in {"admin": p.admin, "lead": p.lead, "ae": p.ae, "ae2": p.ae2, "ae3": outsider}.items():
        error, unchanged = refused(p.org, lambda actor=actor: call(p, actor))
        answers[role] = (error.status, error.message, unchanged)
    with in_scope(p.org):
        call(p, p.finance)  # and finance may
    # then the people who see the account may not (403); the one who does not, is told 404
    forbidden = (403, message, True)
    hidden = forbidden if service == "billing_settings_update" else (404, "Not found.", True)
    assert answers == {"admin": forbidden, "lead": forbidden, "ae": forbidden, "ae2": forbidden, "ae3": hidden}
