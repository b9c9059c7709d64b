"""billing.statements: the statement of an account and the product statement, on worked
examples with every figure computed by hand."""

from datetime import date
from decimal import Decimal

from billing import services
from billing.statements import (
    ledger_balance,
    previous_month,
    product_statement_for,
    statement_for_account,
    statement_reader,
    year_to_date,
)
from tests.billing.conftest import FEBRUARY

D = Decimal


def _statement(p, in_scope, start, end):
    with in_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=start, end=end)
        entries = statement.entries()
    return statement, entries


def test_the_statement_of_a_period_opens_with_what_came_before_and_runs_its_balance(world, in_scope, february):
    p = world.porta
    statement, entries = _statement(p, in_scope, *FEBRUARY)
    assert (statement.opening, statement.debits, statement.credits, statement.closing, statement.entry_count) == (
        D("335.60"),
        D("285.95"),
        D("395.20"),
        D("226.35"),
        5,
    )
    with in_scope(p.org):
        descriptions = [e.description for e in entries]
    assert [(e.entry_date, e.kind, e.document, e.debit, e.credit, e.balance) for e in entries] == [
        (date(2024, 2, 5), "invoice", february["b"].number, D("235.95"), D("0.00"), D("571.55")),
        (date(2024, 2, 10), "credit_note", february["note"].number, D("0.00"), D("145.20"), D("426.35")),
        (date(2024, 2, 15), "payment", "P2", D("0.00"), D("200.00"), D("226.35")),
        (date(2024, 2, 20), "payment", "P3", D("0.00"), D("50.00"), D("176.35")),
        (date(2024, 2, 25), "payment_reversal", "P3", D("50.00"), D("0.00"), D("226.35")),
    ]
    assert descriptions == [
        "Due 06/03/2024",
        f"Corrects invoice {february['a'].number} · A kit came back.",
        "Bank transfer",
        "Cheque",
        "Returned: Bounced.",
    ]


def test_opening_plus_debits_minus_credits_is_the_closing_and_the_ledger_balance_at_the_end(world, in_scope, february):
    p = world.porta
    for start, end in [FEBRUARY, (date(2024, 1, 1), date(2024, 1, 31)), (date(2024, 2, 12), date(2024, 2, 20))]:
        statement, entries = _statement(p, in_scope, start, end)
        with in_scope(p.org):
            balance = ledger_balance(organization=p.org, account=p.account, as_of=end)
        assert statement.opening + statement.debits - statement.credits == statement.closing == balance
        assert statement.debits == sum((e.debit for e in entries), D(0))
        assert statement.credits == sum((e.credit for e in entries), D(0))
        assert (entries[-1].balance if entries else statement.opening) == statement.closing


def test_the_aging_at_the_end_date_buckets_what_is_open_by_days_past_due(world, in_scope, february):
    p = world.porta
    statement, _entries = _statement(p, in_scope, *FEBRUARY)
    aging = statement.aging
    # B: 235.95 − 154.80 open, due on 6 March: current; C: due 1 December, 90 days past due.
    assert [(key, amount) for key, _label, amount in aging.buckets] == [
        ("current", D("81.15")),
        ("days_1_30", D("0.00")),
        ("days_31_60", D("0.00")),
        ("days_61_90", D("145.20")),
        ("days_91_120", D("0.00")),
        ("over_120", D("0.00")),
    ]
    assert (aging.total_open, aging.overdue, aging.unallocated, aging.balance) == (
        D("226.35"),
        D("145.20"),
        D("0.00"),
        statement.closing,
    )


def test_a_payment_not_applied_yet_is_the_accounts_credit_in_the_aging(world, in_scope, february, paid):
    p = world.porta
    paid(p, "300.00", date(2024, 2, 28), reference="P4")
    statement, _entries = _statement(p, in_scope, *FEBRUARY)
    assert (statement.closing, statement.aging.total_open, statement.aging.unallocated) == (
        D("-73.65"),
        D("226.35"),
        D("300.00"),
    )
    assert statement.aging.balance == statement.closing


def test_a_page_of_entries_brings_its_balance_forward(world, in_scope, february):
    p = world.porta
    with in_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        page = statement.entries(offset=2, limit=2)
        forward = statement.balance_before(2)
    assert forward == D("426.35")
    assert [(e.document, e.balance) for e in page] == [("P2", D("226.35")), ("P3", D("176.35"))]


def test_the_default_period_is_the_year_to_date_and_the_mailing_sends_the_previous_month():
    assert year_to_date(date(2026, 12, 6)) == (date(2026, 1, 1), date(2026, 12, 6))
    assert previous_month(date(2026, 3, 5)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_month(date(2024, 1, 1)) == (date(2023, 12, 1), date(2023, 12, 31))


# --- The product statement --------------------------------------------------------------------------


def _product_statement(p, in_scope, **subject):
    with in_scope(p.org):
        return product_statement_for(
            organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1], **subject
        )


def test_the_product_statement_attributes_each_payment_pro_rata_to_the_cent(world, in_scope, mixed_invoice):
    p = world.porta
    m, note = mixed_invoice["m"].number, mixed_invoice["note"].number
    kits = _product_statement(p, in_scope, product=p.product)
    # the kits' share of M: 435.60 / 750.20 = 0.580645161…
    assert [
        (r.entry_date, r.kind, r.document, r.invoice_number, r.quantity, r.net, r.applied, r.share, r.attributed)
        for r in kits.rows
    ] == [
        (date(2024, 2, 5), "invoice", m, "", D("3.000"), D("360.00"), None, None, None),
        # 333.33 × 0.580645161… = 193.5464…
        (date(2024, 2, 10), "allocation", "Q", m, None, None, D("333.33"), D("0.58064516"), D("193.55")),
        (date(2024, 2, 12), "credit_note", note, m, D("-1.000"), D("-120.00"), None, None, None),
        # 271.67 × 0.580645161… = 157.7438…
        (date(2024, 2, 20), "allocation", "R", m, None, None, D("271.67"), D("0.58064516"), D("157.74")),
    ]
    assert [r.kind_label for r in kits.rows] == [
        "Invoiced",
        "Payment, attributed pro rata",
        "Credited",
        "Payment, attributed pro rata",
    ]
    assert (kits.quantity_invoiced, kits.quantity_credited, kits.net_invoiced, kits.net_credited) == (
        D("3.000"),
        D("1.000"),
        D("360.00"),
        D("120.00"),
    )
    assert (kits.attributed_paid, kits.quantity_total, kits.net_total) == (D("351.29"), D("2.000"), D("240.00"))
    installation = _product_statement(p, in_scope, product=p.product2)
    # 333.33 × 0.419354838… = 139.7833… and 271.67 × 0.419354838… = 113.9261…: each payment whole
    # with the kits' part (193.55 + 139.78 = 333.33; 157.74 + 113.93 = 271.67).
    assert [r.attributed for r in installation.rows if r.is_attributed] == [D("139.78"), D("113.93")]
    assert installation.attributed_paid == D("253.71")


def test_a_category_statement_holds_the_lines_of_its_products(world, in_scope, mixed_invoice):
    p = world.porta
    hardware = _product_statement(p, in_scope, category=p.category)
    kits = _product_statement(p, in_scope, product=p.product)
    assert hardware.rows == kits.rows
    assert (hardware.subject, kits.subject) == ("Category: Hardware", "PORTA-001 · Sensor kit")


def test_a_reversed_payment_is_attributed_back_on_the_day_it_bounced(world, in_scope, issued, paid):
    p = world.porta
    m = issued(
        p,
        issue_date=date(2024, 2, 5),
        lines=[{"product": p.product, "quantity": D("1")}, {"product": p.product2, "quantity": D("1")}],
    )  # 145.20 + 78.65 = 223.85; the kit's share 145.20 / 223.85
    payment = paid(p, "100.00", date(2024, 2, 6), allocations=[(m, D("100.00"))], reference="S")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=payment, reversed_on=date(2024, 2, 9), reason="Bounced."
        )
    kits = _product_statement(p, in_scope, product=p.product)
    assert [(r.entry_date, r.kind, r.net, r.applied, r.attributed) for r in kits.rows] == [
        (date(2024, 2, 5), "invoice", D("120.00"), None, None),
        (date(2024, 2, 6), "allocation", None, D("100.00"), D("64.86")),  # 100 × 145.20 / 223.85 = 64.864…
        (date(2024, 2, 9), "ended", None, D("-100.00"), D("-64.86")),
    ]
    assert kits.attributed_paid == D("0.00")


def test_a_product_statement_leaves_out_other_periods(world, in_scope, mixed_invoice, issued):
    p = world.porta
    issued(p, issue_date=date(2024, 3, 1), lines=[{"product": p.product, "quantity": D("5")}])
    kits = _product_statement(p, in_scope, product=p.product)
    assert [r.kind for r in kits.rows] == ["invoice", "allocation", "credit_note", "allocation"]


# --- Who reads it -----------------------------------------------------------------------------------


def test_the_reader_is_the_account_teams_finance_contact_then_the_clients_then_nobody(world, in_scope):
    from accounts import services as accounts_services
    from clients import services as clients_services
    from tenancy import services as tenancy_services

    p = world.porta

    def reader():
        with in_scope(p.org):
            r = statement_reader(organization=p.org, account=p.account)
        return (r.name, r.email, r.language, r.source)

    assert reader() == ("", "", "en", "organisation")
    with in_scope(p.org):
        clients_services.contact_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            full_name="Marta Puig",
            email="marta@porta-client.example",
            buying_role="finance",
            language="ca",
        )
    assert reader() == ("Marta Puig", "marta@porta-client.example", "ca", "client_contact")
    with in_scope(p.org):
        tenancy_services.user_set_preferences(user=p.finance.user, language="es")
        accounts_services.account_team_member_add(
            organization=p.org, actor=p.admin, account=p.account, membership=p.finance, role="finance_contact"
        )
    assert reader() == ("Finance Porta", "finance@porta.example", "es", "account_team")
