"""billing.selectors: who sees what, what is open, balances, aging, DSO, the billing summary and
statements, with exact figures and a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from billing import selectors, services
from billing.selectors import Aging, AgingRow, AttributedPayment, BillingSummary, ProductLine
from catalog.models import ProductPrice, TaxRate
from tenancy.scope import TenantScopeMissing
from tests.billing.conftest import ISSUED_ON
from tests.factories import add_member

D = Decimal
AS_OF = date(2024, 12, 31)


def _second_account(o, in_scope, **fields):
    with in_scope(o.org):
        return accounts_services.account_create(
            organization=o.org, actor=o.admin, client=o.client, name="Second account", owner=o.ae2, **fields
        )


# --- Who sees what -------------------------------------------------------------------------------------


def test_each_person_sees_the_billing_of_the_accounts_they_see(world, in_scope):
    p = world.porta
    outsider = add_member(p.org, "ae3", ["account_executive"])
    seen = {}
    with in_scope(p.org):
        for name, member in {
            "admin": p.admin,
            "finance": p.finance,
            "lead": p.lead,
            "ae": p.ae,
            "ae3": outsider,
        }.items():
            seen[name] = (
                list(selectors.invoice_list(organization=p.org, membership=member).values_list("pk", flat=True)),
                list(selectors.credit_note_list(organization=p.org, membership=member).values_list("pk", flat=True)),
                list(selectors.payment_list(organization=p.org, membership=member).values_list("pk", flat=True)),
            )
    books = ([p.invoice.pk], [p.credit_note.pk], [p.payment.pk])
    assert seen == {"admin": books, "finance": books, "lead": books, "ae": books, "ae3": ([], [], [])}


def test_a_document_one_may_not_see_is_not_found(world, in_scope):
    p, n = world.porta, world.nordwind
    outsider = add_member(p.org, "ae3", ["account_executive"])
    with in_scope(p.org):
        for call in (
            lambda: selectors.invoice_get(organization=p.org, membership=outsider, invoice_id=p.invoice.pk),
            lambda: selectors.invoice_get(organization=p.org, membership=p.finance, invoice_id=n.invoice.pk),
            lambda: selectors.payment_get(organization=p.org, membership=outsider, payment_id=p.payment.pk),
            lambda: selectors.credit_note_get(organization=p.org, membership=outsider, credit_note_id=p.credit_note.pk),
        ):
            with pytest.raises(Exception) as error:
                call()
            assert type(error.value).__name__ == "DoesNotExist"


def test_an_invoice_is_read_with_its_lines_notes_payments_and_history_in_eight_queries(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    today = timezone.localdate()
    # the invoice, its lines, credit notes and active allocations; what is credited of each
    # line; the audit events, and the people and teams they name (audit_display's two)
    with in_scope(p.org), django_assert_num_queries(8):
        detail = selectors.invoice_detail(organization=p.org, membership=p.ae, invoice_id=p.invoice.pk)
        invoice = detail.invoice
        lines = [(line.description, line.product.sku, line.tax_rate.name, line.net) for line in detail.lines]
        notes = [note.number for note in detail.credit_notes]
        payments = [(a.payment.reference, a.amount) for a in detail.allocations if a.is_active]
    assert (invoice.credited, invoice.paid, invoice.outstanding, invoice.is_overdue) == (
        D("145.20"),
        D("200.00"),
        D("90.40"),
        True,
    )
    assert (invoice.due_date, invoice.account.client.legal_name) == (
        today - timedelta(days=15),
        "Porta Digital Client SL",
    )
    assert lines == [("Sensor kit", "PORTA-001", "VAT 21%", D("360.00"))]
    assert notes == [p.credit_note.number]
    assert payments == [("PORTA-TRANSFER-1", D("200.00"))]


@pytest.mark.parametrize("extra", [0, 9])
def test_the_lists_are_one_query_whatever_their_length(world, in_scope, issued, paid, django_assert_num_queries, extra):
    p = world.porta
    for n in range(extra):
        invoice = issued(p, issue_date=ISSUED_ON + timedelta(days=n))
        paid(p, "10.00", received_on=ISSUED_ON + timedelta(days=n), allocations=[(invoice, D("10.00"))])
    with in_scope(p.org), django_assert_num_queries(3):
        invoices = [
            (i.number, i.account.name, i.outstanding)
            for i in selectors.invoice_list(organization=p.org, membership=p.ae)
        ]
        payments = [
            (x.account.name, x.unallocated) for x in selectors.payment_list(organization=p.org, membership=p.ae)
        ]
        notes = [(c.number, c.invoice.number) for c in selectors.credit_note_list(organization=p.org, membership=p.ae)]
    assert (len(invoices), len(payments), len(notes)) == (1 + extra, 1 + extra, 1)
    assert invoices[0] == (p.invoice.number, "Porta Account", D("90.40"))


def test_a_payments_unallocated_amount_is_its_accounts_credit_and_nothing_once_reversed(world, in_scope, paid):
    p = world.porta
    credit = paid(p, "75.00")
    bounced = paid(p, "20.00")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bounced, reversed_on=ISSUED_ON, reason="x"
        )
        rows = dict(selectors.payment_list(organization=p.org, membership=p.finance).values_list("pk", "unallocated"))
    assert rows == {p.payment.pk: D("0.00"), credit.pk: D("75.00"), bounced.pk: D("0.00")}


# --- Balances and the billing summary --------------------------------------------------------------------------


def test_balances_come_from_the_ledger_per_currency_and_as_of_a_date(world, in_scope):
    p = world.porta
    today = timezone.localdate()
    with in_scope(p.org):
        now = selectors.account_balances(organization=p.org, accounts=[p.account])
        before_the_payment = selectors.account_balance(
            organization=p.org, account=p.account, as_of=today - timedelta(days=26)
        )
    assert (now, before_the_payment) == ({p.account.pk: {"EUR": D("90.40")}}, {"EUR": D("290.40")})


def test_the_billing_summary_of_many_accounts_is_one_query(world, in_scope, django_assert_num_queries):
    p = world.porta
    second = _second_account(p, in_scope)
    today = timezone.localdate()
    with in_scope(p.org), django_assert_num_queries(1):
        summary = selectors.account_billing_summary(organization=p.org, accounts=[p.account, second])
    assert summary == {
        p.account.pk: BillingSummary(
            p.account.pk, "EUR", D("90.40"), D("90.40"), p.invoice.pk, p.invoice.number, today - timedelta(days=15)
        ),
        second.pk: BillingSummary(second.pk, "EUR", D("0.00"), D("0.00"), None, None, None),
    }
    assert summary[p.account.pk].days_overdue(today) == 15


def test_the_billing_summary_sums_what_is_open_on_the_overdue_invoices_in_the_accounts_currency(
    world, in_scope, issued, paid, django_assert_num_queries
):
    # given the world's account (its invoice: 90.40 open, due 15 days ago) with invoices of 290.40:
    # three due 20 days ago (one issued later, paid 40.40 of it; two issued the same day), one
    # paid in full, one with a kit credited, one whose payment bounced, one due today, and a draft
    p = world.porta
    today = timezone.localdate()

    def ago(days):
        return today - timedelta(days=days)

    issued_later = issued(p, issue_date=ago(50), due_date=ago(20))
    oldest = issued(p, issue_date=ago(60), due_date=ago(20))
    same_day = issued(p, issue_date=ago(60), due_date=ago(20))
    paid_in_full = issued(p, issue_date=ago(90), due_date=ago(60))
    credited = issued(p, issue_date=ago(40), due_date=ago(10))
    bounced = issued(p, issue_date=ago(40), due_date=ago(5))
    issued(p, issue_date=ago(30), due_date=today)
    paid(p, "290.40", received_on=ago(30), allocations=[(paid_in_full, D("290.40"))])
    paid(p, "40.40", received_on=ago(8), allocations=[(issued_later, D("40.40"))])
    bouncing = paid(p, "290.40", received_on=ago(4), allocations=[(bounced, D("290.40"))])
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bouncing, reversed_on=ago(2), reason="Bounced"
        )
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=credited,
            reason="One kit returned",
            lines=[(credited.lines.get(), D("1"))],
            issue_date=ago(3),
        )
        services.invoice_create(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            issue_date=ago(90),
            due_date=ago(80),
            lines=[{"product": p.product, "quantity": D("1")}],
        )
    second = _second_account(p, in_scope)
    # when the summary of both accounts, and of nordwind's account, is read in one query
    with in_scope(p.org), django_assert_num_queries(1):
        summary = selectors.account_billing_summary(
            organization=p.org, accounts=[p.account, second.pk, world.nordwind.account]
        )
    # then the account's is in euros: its ledger balance, what is open on the invoices due
    # before today, and the oldest of them by due date, then issue date, then id
    assert summary == {
        p.account.pk: BillingSummary(
            p.account.pk, "EUR", D("1647.20"), D("1356.80"), oldest.pk, oldest.number, ago(20)
        ),
        second.pk: BillingSummary(second.pk, "EUR", D("0.00"), D("0.00"), None, None, None),
    }
    assert [str(summary[second.pk].balance), str(summary[second.pk].overdue)] == ["0.00", "0.00"]
    assert (same_day.pk > oldest.pk, summary[p.account.pk].today) == (True, today)
    assert summary[p.account.pk].oldest_overdue_days == 20


def test_the_billing_summary_of_no_accounts_asks_nothing(world, in_scope, django_assert_num_queries):
    with in_scope(world.porta.org), django_assert_num_queries(0):
        summary = selectors.account_billing_summary(organization=world.porta.org, accounts=[])
    assert summary == {}


def test_the_billing_summary_is_read_inside_a_tenant_scope_only(world):
    with pytest.raises(TenantScopeMissing):
        selectors.account_billing_summary(organization=world.porta.org, accounts=[world.porta.account])


# --- Aging and DSO ---------------------------------------------------------------------------------------------


@pytest.fixture
def receivables(world, in_scope, issued, paid):
    """On 31 December 2024: six invoices of 290.40, one in each bucket (one paid in part, one
    credited in part, one paid only after the date), and one of 314.60 dollars on a second
    account of ae2's, with no team, at 0.9."""
    p = world.porta
    due = {
        "current": date(2024, 12, 31),
        "days_1_30": date(2024, 12, 1),
        "days_31_60": date(2024, 11, 30),
        "days_61_90": date(2024, 10, 2),
        "days_91_120": date(2024, 10, 1),
        "over_120": date(2024, 7, 1),
    }
    invoices = {bucket: issued(p, issue_date=date(2024, 6, 1), due_date=day) for bucket, day in due.items()}
    paid(p, "100.00", received_on=date(2024, 12, 20), allocations=[(invoices["current"], D("100.00"))])
    paid(p, "50.00", received_on=date(2025, 1, 3), allocations=[(invoices["days_1_30"], D("50.00"))])
    with in_scope(p.org):
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoices["days_31_60"],
            reason="One kit returned",
            lines=[(invoices["days_31_60"].lines.get(), D("1"))],
            issue_date=date(2024, 12, 10),
        )
        ProductPrice.objects.create(organization=p.org, product=p.product, currency="USD", list_price=D("130.00"))
    dollars = _second_account(p, in_scope, currency="USD")
    issued(p, account=dollars, issue_date=date(2024, 11, 15), due_date=date(2024, 12, 15), rate_to_base=D("0.9"))
    return dollars


EUR_AGING = Aging(D("190.40"), D("290.40"), D("145.20"), D("290.40"), D("290.40"), D("290.40"))
USD_AGING = Aging(days_1_30=D("314.60"))
USD_IN_EUR = Aging(days_1_30=D("283.14"))


@pytest.mark.parametrize(
    ("group_by", "rows"),
    [
        (
            "account",
            lambda p, dollars: [
                AgingRow("account", p.account.pk, "Porta Account", "EUR", EUR_AGING, EUR_AGING),
                AgingRow("account", dollars.pk, "Second account", "USD", USD_AGING, USD_IN_EUR),
            ],
        ),
        (
            "owner",
            lambda p, dollars: [
                AgingRow("owner", p.ae.pk, "Ae Porta", "EUR", EUR_AGING, EUR_AGING),
                AgingRow("owner", p.ae2.pk, "Ae2 Porta", "USD", USD_AGING, USD_IN_EUR),
            ],
        ),
        (
            "team",
            lambda p, dollars: [
                AgingRow("team", None, "No team", "USD", USD_AGING, USD_IN_EUR),
                AgingRow("team", p.team.pk, "Team Porta Digital", "EUR", EUR_AGING, EUR_AGING),
            ],
        ),
        (
            "tenant",
            lambda p, dollars: [
                AgingRow("tenant", None, "Porta Digital", "EUR", EUR_AGING, EUR_AGING),
                AgingRow("tenant", None, "Porta Digital", "USD", USD_AGING, USD_IN_EUR),
            ],
        ),
    ],
)
def test_aging_buckets_what_was_outstanding_by_days_past_due_in_one_query(
    world, in_scope, receivables, django_assert_num_queries, group_by, rows
):
    p = world.porta
    with in_scope(p.org), django_assert_num_queries(1):
        result = selectors.aging(organization=p.org, membership=p.finance, as_of=AS_OF, group_by=group_by)
    assert result == rows(p, receivables)
    assert (EUR_AGING.total, EUR_AGING.overdue) == (D("1497.20"), D("1306.80"))


def test_aging_shows_an_account_executive_only_their_accounts(world, in_scope, receivables):
    p = world.porta
    with in_scope(p.org):
        rows = selectors.aging(organization=p.org, membership=p.ae, as_of=AS_OF, group_by="tenant")
    assert rows == [AgingRow("tenant", None, "Porta Digital", "EUR", EUR_AGING, EUR_AGING)]


def test_dso_is_what_is_outstanding_over_what_was_invoiced_in_days_of_the_period(world, in_scope, receivables):
    # given 2024's sales in euros: 6 × 290.40 + 314.60 × 0.9 − 145.20 credited = 1,880.34;
    # outstanding on 31 December: 1,497.20 + 283.14 = 1,780.34
    p = world.porta
    with in_scope(p.org):
        year = selectors.dso(organization=p.org, membership=p.finance, start=date(2024, 1, 1), end=AS_OF)
        nothing_sold = selectors.dso(
            organization=p.org, membership=p.finance, start=date(2023, 1, 1), end=date(2023, 12, 31)
        )
    # then 1,780.34 / 1,880.34 × 366 days
    assert (year, nothing_sold) == (D("346.5"), None)


# --- Statements ------------------------------------------------------------------------------------------------


def test_a_statement_has_the_opening_every_entry_with_its_running_balance_the_closing_and_the_aging(
    world, in_scope, django_assert_num_queries
):
    # given the world's invoice (45 days ago), credit note (35) and payment (25)
    p = world.porta
    today = timezone.localdate()
    with in_scope(p.org), django_assert_num_queries(3):
        statement = selectors.statement(
            organization=p.org, account=p.account, start=today - timedelta(days=40), end=today
        )
        entries = [
            (e.kind, e.entry_date, e.debit, e.credit, e.balance, e.document_number, e.payment_reference)
            for e in statement.entries
        ]
    with in_scope(p.org):
        ledger = selectors.account_balance(organization=p.org, account=p.account, as_of=today)
    assert (statement.opening, statement.debits, statement.credits, statement.closing) == (
        D("435.60"),
        D("0.00"),
        D("345.20"),
        D("90.40"),
    )
    assert entries == [
        ("credit_note", today - timedelta(days=35), D("0.00"), D("145.20"), D("290.40"), p.credit_note.number, None),
        ("payment", today - timedelta(days=25), D("0.00"), D("200.00"), D("90.40"), None, "PORTA-TRANSFER-1"),
    ]
    assert statement.aging == Aging(days_1_30=D("90.40"))
    assert ledger == {"EUR": statement.closing}


def test_a_product_statement_attributes_payments_pro_rata_to_the_products_share(world, in_scope, issued, paid):
    # given an invoice of two kits (290.40 with tax) and a service of 100.00 at 10 % (110.00),
    # paid 200.00, then one kit credited, and the payment reversed
    p = world.porta
    with in_scope(p.org):
        vat10 = TaxRate.objects.get(organization=p.org, rate=D("10"))  # one of the rates every organisation starts with
    invoice = issued(
        p,
        lines=[
            {"product": p.product, "quantity": D("2")},
            {"description": "Set-up", "quantity": D("1"), "unit_price": D("100.00"), "tax_rate": vat10},
        ],
    )
    payment = paid(p, "200.00", received_on=date(2024, 3, 5), allocations=[(invoice, D("200.00"))])
    with in_scope(p.org):
        services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=invoice,
            reason="Returned",
            lines=[(invoice.lines.get(position=1), D("1"))],
            issue_date=date(2024, 3, 10),
        )
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=payment, reversed_on=date(2024, 3, 20), reason="Bounced"
        )
        # when
        by_product = selectors.product_statement(
            organization=p.org, account=p.account, start=date(2024, 3, 1), end=date(2024, 3, 31), product=p.product
        )
        by_category = selectors.product_statement(
            organization=p.org, account=p.account, start=date(2024, 3, 1), end=date(2024, 3, 31), category=p.category
        )
    # then the kits' share of the invoice is 290.40 / 400.40
    share = D("0.72527473")  # 290.40 / 400.40
    assert by_product.lines == [
        ProductLine(
            "invoice", ISSUED_ON, invoice.number, invoice.number, "PORTA-001", "Sensor kit", D("2.000"), D("240.00")
        ),
        ProductLine(
            "credit_note",
            date(2024, 3, 10),
            "R2024-000001",
            invoice.number,
            "PORTA-001",
            "Sensor kit",
            D("-1.000"),
            D("-120.00"),
        ),
    ]
    assert by_product.payments == [
        AttributedPayment(
            "allocation", date(2024, 3, 5), payment.pk, "", invoice.number, D("200.00"), share, D("145.05")
        ),
        AttributedPayment(
            "ended", date(2024, 3, 20), payment.pk, "", invoice.number, D("-200.00"), share, D("-145.05")
        ),
    ]
    assert (
        by_product.quantity_invoiced,
        by_product.quantity_credited,
        by_product.net_invoiced,
        by_product.net_credited,
    ) == (
        D("2.000"),
        D("1.000"),
        D("240.00"),
        D("120.00"),
    )
    assert by_product.attributed_paid == D("0.00")
    assert (by_category.lines, by_category.payments) == (by_product.lines, by_product.payments)
    assert by_product.attribution_note == (
        "Payments are attributed to the product pro rata: the product's share of each invoice's total, tax included."
    )
