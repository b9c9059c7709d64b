"""billing.statements: the statement of an account and the product statement, on worked
examples with every figure computed by hand."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services
from billing.statements import (
    ledger_balance,
    previous_month,
    product_statement,
    statement_for_account,
    statement_reader,
    year_to_date,
)

D = Decimal
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
    c = issued(p, issue_date=date(2023, 11, 1), lines=[{"product": p.product, "quantity": D("1")}])
    a = issued(p, issue_date=date(2024, 1, 10), lines=[{"product": p.product, "quantity": D("2")}])
    paid(p, "100.00", date(2024, 1, 20), allocations=[(a, D("100.00"))], reference="P1")
    b = issued(p, issue_date=date(2024, 2, 5), lines=[{"product": p.product2, "quantity": D("3")}])
    with in_scope(p.org):
        note = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=a,
            reason="A kit came back.",
            lines=[(a.lines.get(), D("1"))],
            issue_date=date(2024, 2, 10),
        )
    paid(p, "200.00", date(2024, 2, 15), allocations=[(a, D("45.20")), (b, D("154.80"))], reference="P2")
    bounced = paid(p, "50.00", date(2024, 2, 20), reference="P3", method="cheque")
    with in_scope(p.org):
        services.payment_reverse(
            organization=p.org, actor=p.finance, payment=bounced, reversed_on=date(2024, 2, 25), reason="Bounced."
        )
    return {"a": a, "b": b, "c": c, "note": note}


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


@pytest.fixture
def mixed_invoice(world, in_scope, issued, paid):
    """Invoice M, 2024-02-05: 3 kits (360.00 + 21 % = 435.60) and 4 hours of installation
    (260.00 + 21 % = 314.60): 750.20. Paid 333.33 on 02-10; one kit credited on 02-12
    (145.20); the rest, 271.67, paid on 02-20. What is left of it after the credit note:
    605.00, of which the kits 290.40 (48 %) and the installation 314.60 (52 %)."""
    p = world.porta
    m = issued(
        p,
        issue_date=date(2024, 2, 5),
        lines=[{"product": p.product, "quantity": D("3")}, {"product": p.product2, "quantity": D("4")}],
    )
    paid(p, "333.33", date(2024, 2, 10), allocations=[(m, D("333.33"))], reference="Q")
    with in_scope(p.org):
        kits = m.lines.get(product=p.product)
        note = services.credit_note_create(
            organization=p.org,
            actor=p.finance,
            invoice=m,
            reason="A kit came back.",
            lines=[(kits, D("1"))],
            issue_date=date(2024, 2, 12),
        )
    paid(p, "271.67", date(2024, 2, 20), allocations=[(m, D("271.67"))], reference="R")
    return {"m": m, "note": note}


def _product_statement(p, in_scope, **subject):
    with in_scope(p.org):
        return product_statement(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1], **subject)


def test_the_product_statement_attributes_each_payment_pro_rata_to_the_cent(world, in_scope, mixed_invoice):
    p = world.porta
    number = mixed_invoice["m"].number
    kits = _product_statement(p, in_scope, product=p.product)
    assert [
        (line.entry_date, line.kind, line.document, line.quantity, line.net, line.tax, line.debit, line.credit)
        for line in kits.lines
    ] == [
        (date(2024, 2, 5), "invoiced", number, D("3.000"), D("360.00"), D("75.60"), D("435.60"), D("0.00")),
        (date(2024, 2, 10), "paid", number, None, None, None, D("0.00"), D("160.00")),  # 333.33 × 0.48 = 159.9984
        (
            date(2024, 2, 12),
            "credited",
            mixed_invoice["note"].number,
            D("1.000"),
            D("120.00"),
            D("25.20"),
            D("0.00"),
            D("145.20"),
        ),
        (date(2024, 2, 20), "paid", number, None, None, None, D("0.00"), D("130.40")),  # 271.67 × 0.48 = 130.4016
    ]
    assert [(line.description, line.applied, line.share_percent) for line in kits.lines if line.is_attributed] == [
        ("Q", D("333.33"), D("48.00")),
        ("R", D("271.67"), D("48.00")),
    ]
    assert (kits.quantity_invoiced, kits.quantity_credited, kits.invoiced, kits.credited, kits.paid) == (
        D("3.000"),
        D("1.000"),
        D("435.60"),
        D("145.20"),
        D("290.40"),
    )
    assert kits.net_change == D("0.00")  # the kits are paid in full: what is left of them, 290.40
    installation = _product_statement(p, in_scope, product=p.product2)
    # 333.33 × 0.52 = 173.3316 and 271.67 × 0.52 = 141.2684: with the kits', each payment whole.
    assert [line.credit for line in installation.lines if line.is_attributed] == [D("173.33"), D("141.27")]
    assert (installation.invoiced, installation.paid, installation.net_change) == (
        D("314.60"),
        D("314.60"),
        D("0.00"),
    )


def test_a_category_statement_holds_the_lines_of_its_products(world, in_scope, mixed_invoice):
    p = world.porta
    hardware = _product_statement(p, in_scope, category=p.category)
    kits = _product_statement(p, in_scope, product=p.product)
    assert hardware.lines == kits.lines
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
    assert [(line.entry_date, line.kind, line.debit, line.credit, line.note) for line in kits.lines] == [
        (date(2024, 2, 5), "invoiced", D("145.20"), D("0.00"), ""),
        (date(2024, 2, 6), "paid", D("0.00"), D("64.86"), ""),  # 100 × 145.20 / 223.85 = 64.864…
        (date(2024, 2, 9), "unpaid", D("64.86"), D("0.00"), "The payment was reversed"),
    ]
    assert (kits.paid, kits.net_change) == (D("0.00"), D("145.20"))


def test_a_product_statement_leaves_out_other_accounts_and_other_periods(world, in_scope, mixed_invoice, issued):
    p = world.porta
    issued(p, issue_date=date(2024, 3, 1), lines=[{"product": p.product, "quantity": D("5")}])
    kits = _product_statement(p, in_scope, product=p.product)
    assert [line.kind for line in kits.lines] == ["invoiced", "paid", "credited", "paid"]


def test_a_product_statement_is_for_a_product_or_a_category(world, in_scope):
    p = world.porta
    with pytest.raises(ValueError, match="for a product or a category"):
        _product_statement(p, in_scope)


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
