"""The receivables page, its exports and the billing figures of the portfolio and the account
page: what each person sees, the filters, groups, sort and pages in the URL, exports of exactly
what is shown, and a fixed number of queries whatever the number of rows."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook

from accounts import services as accounts_services
from billing import services
from tenancy.scope import tenant_scope
from tests.billing import receivables_example
from tests.billing.receivables_example import AS_OF
from tests.factories import add_member, signed_in

D = Decimal
URL = "/o/porta/billing/receivables/"
ON_AS_OF = f"{URL}?as_of={AS_OF.isoformat()}"


@pytest.fixture
def example(world):
    return receivables_example.build(world)


def _rows(response) -> list[list[str]]:
    """Each row of the table as its cells' text, whitespace collapsed."""
    html = response.content.decode()
    rows = re.findall(r'<tr data-testid="receivables-row"[^>]*>(.*?)</tr>', html, re.S)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in rows
    ]


def _names(response) -> list[tuple[str, str]]:
    """Each row's name and currency."""
    return re.findall(
        r'data-testid="receivables-row" data-name="([^"]*)" data-currency="([^"]*)"', response.content.decode()
    )


def _short(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _text(response, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', response.content.decode(), re.S)
    return " ".join(match.group(1).split()) if match else ""


# --- What the page shows ------------------------------------------------------------------------------


def test_finance_sees_every_account_with_its_buckets_the_totals_and_the_dso(world, example):
    response = signed_in(world.porta.finance).get(f"{ON_AS_OF}&dso_from=2025-01-01&dso_to=2025-06-30")
    assert response.status_code == 200
    # each row: name (client · owner · team), six buckets, overdue, outstanding, credit, balance
    assert _rows(response) == [
        [
            "Porta Account EUR Porta Client · Ae Porta · Team Porta Digital",
            "€290.40",
            "€480.80",
            "€435.60",
            "€580.80",
            "€530.80",
            "€290.40",
            "€2,318.40",
            "€2,608.80",
            "€75.00",
            "€2,533.80",
        ],
        [
            "Third account EUR Porta Client · Ae Porta · Team Porta Digital",
            "€0.00",
            "€0.00",
            "€290.40",
            "€0.00",
            "€0.00",
            "€0.00",
            "€290.40",
            "€290.40",
            "€0.00",
            "€290.40",
        ],
        [
            "Second account USD Porta Client · Ae2 Porta",
            "$314.60",
            "$0.00",
            "$0.00",
            "$0.00",
            "$0.00",
            "$0.00",
            "$0.00",
            "$314.60",
            "$0.00",
            "$314.60",
        ],
    ]
    # the cards: in euros at the documents' rates; the DSO of the first half of 2025
    assert (_text(response, "total-outstanding"), _text(response, "total-overdue")) == ("€3,182.34", "€2,608.80")
    assert (_text(response, "total-credit"), _text(response, "dso")) == ("€75.00", "172.9 days")
    assert _text(response, "dso-period").startswith(f"{_short(date(2025, 1, 1))} – {_short(AS_OF)}")
    html = response.content.decode()
    assert html.count('data-testid="currency-total"') == 2 and 'data-testid="base-total"' in html
    # the chart's data beside its table: a part per currency, in euros
    chart = re.search(r'<script id="aging-chart-data" type="application/json">(.*?)</script>', html).group(1)
    assert '"datasets": [{"label": "EUR", "data": ["290.40", "480.80", "726.00"' in chart
    assert '{"label": "USD", "data": ["283.14", "0.00", "0.00", "0.00", "0.00", "0.00"]}' in chart


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("group=owner", [("Ae Porta", "EUR"), ("Ae2 Porta", "USD")]),
        ("group=team", [("Team Porta Digital", "EUR"), ("No team", "USD")]),
        # the accounts without a team come last, whichever the direction
        ("group=team&sort=name", [("Team Porta Digital", "EUR"), ("No team", "USD")]),
        ("group=team&sort=-name", [("Team Porta Digital", "EUR"), ("No team", "USD")]),
        ("currency=USD", [("Second account", "USD")]),
        ("overdue=true&sort=name", [("Porta Account", "EUR"), ("Third account", "EUR")]),
        ("overdue=false", [("Second account", "USD")]),
        ("sales_team={team}", [("Porta Account", "EUR"), ("Third account", "EUR")]),
        ("owner={ae2}&group=owner", [("Ae2 Porta", "USD")]),
        ("sort=-days_31_60", [("Porta Account", "EUR"), ("Third account", "EUR"), ("Second account", "USD")]),
    ],
)
def test_the_group_filters_and_sort_are_in_the_url(world, example, query, names):
    p = world.porta
    response = signed_in(p.finance).get(f"{ON_AS_OF}&{query.format(team=p.team.pk, ae2=p.ae2.pk)}")
    assert _names(response) == names


def test_an_owner_or_team_row_opens_the_accounts_of_that_owner_or_team(world, example):
    p = world.porta
    html = signed_in(p.finance).get(f"{ON_AS_OF}&group=team").content.decode()
    assert f'href="?as_of=2025-06-30&amp;group=account&amp;sales_team={p.team.pk}"' in html


def test_an_account_executive_sees_only_their_accounts(world, example):
    response = signed_in(world.porta.ae).get(ON_AS_OF)
    assert _names(response) == [("Porta Account", "EUR"), ("Third account", "EUR")]
    assert _text(response, "total-outstanding") == "€2,899.20"
    assert "Second account" not in response.content.decode()


def test_someone_of_another_organisation_gets_404(world, example):
    assert signed_in(world.nordwind.finance).get(ON_AS_OF).status_code == 404


def test_a_date_that_is_not_one_is_said_on_the_form_and_the_page_shows_the_rest(world):
    # given a 31 June and a DSO period that ends before it starts
    response = signed_in(world.porta.finance).get(f"{URL}?as_of=2025-06-31&dso_from=2025-06-30&dso_to=2025-01-01")
    html = response.content.decode()
    # then the form says what is wrong with each, and the page shows today's aging
    assert response.status_code == 200
    assert "Enter a valid date." in html and "The period cannot end before it starts." in html
    assert _text(response, "total-outstanding") == "€90.40"  # the world's invoice, open today


def test_an_htmx_request_gets_the_results_and_the_export_buttons_with_its_filters(world, example):
    response = signed_in(world.porta.finance).get(f"{ON_AS_OF}&group=owner", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="export-buttons"') and "<html" not in html
    assert 'action="/o/porta/billing/receivables/export.csv?as_of=2025-06-30&amp;group=owner"' in html
    assert "HX-Request" in response["Vary"]


def _accounts_owing(world, count: int) -> None:
    """`count` more accounts of ae's, each with an invoice of 290.40 due 45 days ago."""
    p = world.porta
    today = timezone.localdate()
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(count):
            account = accounts_services.account_create(
                organization=p.org,
                actor=p.admin,
                client=p.client,
                name=f"Owing {n:02d}",
                owner=p.ae,
                sales_team=p.team,
                currency="EUR",
            )
            invoice = services.invoice_create(
                organization=p.org,
                actor=p.finance,
                account=account,
                issue_date=today - timedelta(days=60),
                due_date=today - timedelta(days=45),
                lines=[{"product": p.product, "quantity": D("2")}],
            )
            services.invoice_issue(organization=p.org, actor=p.finance, invoice=invoice)


def test_the_table_is_paged_and_the_totals_are_of_every_row(world):
    _accounts_owing(world, 29)  # and the world's own account: 30 rows
    client = signed_in(world.porta.finance)
    first, second = client.get(f"{URL}?sort=name"), client.get(f"{URL}?sort=name&page=2")
    assert (len(_rows(first)), len(_rows(second))) == (25, 5)
    assert _names(second)[-1] == ("Porta Account", "EUR")
    assert _text(second, "total-outstanding") == "€8,512.00"  # 29 × 290.40 + 90.40
    assert _text(first, "result-count") == "30 results"


@pytest.mark.parametrize("count", [1, 50])
def test_the_page_takes_the_same_number_of_queries_with_1_and_50_rows(world, count, django_assert_num_queries):
    _accounts_owing(world, count - 1)
    client = signed_in(world.porta.lead)
    client.get(URL)
    # user, organisation, membership; the team, owner and currency filter options; the aging
    # (one statement: rows and totals); the DSO (outstanding, invoiced, credited); plus the
    # tenant transaction's savepoint, setting, reset and release
    with django_assert_num_queries(14):
        response = client.get(URL)
    assert len(_rows(response)) == min(count, 25)


# --- Exports --------------------------------------------------------------------------------------------


def test_the_csv_export_is_exactly_what_the_page_shows_with_its_totals(world, example):
    p = world.porta
    response = signed_in(p.finance).post("/o/porta/billing/receivables/export.csv?as_of=2025-06-30&group=owner")
    assert response["Content-Disposition"] == 'attachment; filename="receivables-porta-2025-06-30.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    amounts = ["Current", "1–30 days", "31–60 days", "61–90 days", "91–120 days", "Over 120 days"]
    assert rows == [
        ["Account executive", "Currency", *amounts, "Outstanding", "Overdue", "Credit", "Balance"],
        ["Ae Porta", "EUR", "290.40", "480.80", "726.00", "580.80", "530.80", "290.40"]
        + ["2899.20", "2608.80", "75.00", "2824.20"],
        ["Ae2 Porta", "USD", "314.60", "0.00", "0.00", "0.00", "0.00", "0.00", "314.60", "0.00", "0.00", "314.60"],
        ["Total", "EUR", "290.40", "480.80", "726.00", "580.80", "530.80", "290.40"]
        + ["2899.20", "2608.80", "75.00", "2824.20"],
        ["Total", "USD", "314.60", "0.00", "0.00", "0.00", "0.00", "0.00", "314.60", "0.00", "0.00", "314.60"],
        ["Total in EUR at the documents' rates", "EUR", "573.54", "480.80", "726.00", "580.80", "530.80", "290.40"]
        + ["3182.34", "2608.80", "75.00", "3107.34"],
    ]


def test_the_xlsx_export_of_an_account_executive_has_their_accounts_as_numbers(world, example):
    response = signed_in(world.porta.ae).post(
        "/o/porta/billing/receivables/export.xlsx?as_of=2025-06-30&sort=name&overdue=true"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[:5] for row in values] == [
        ["Account", "Client", "Owner", "Team", "Currency"],
        ["Porta Account", "Porta Client", "Ae Porta", "Team Porta Digital", "EUR"],
        ["Third account", "Porta Client", "Ae Porta", "Team Porta Digital", "EUR"],
        ["Total", None, None, None, "EUR"],
    ]
    assert values[1][5:] == [290.4, 480.8, 435.6, 580.8, 530.8, 290.4, 2608.8, 2318.4, 75, 2533.8]


# --- The portfolio and the account page ------------------------------------------------------------------


def test_the_portfolio_shows_each_accounts_balance_overdue_amount_and_oldest_overdue_invoice(world):
    # given the world's account: 435.60 invoiced 45 days ago, due 15 days ago, 145.20 credited,
    # 200.00 paid: 90.40 open and overdue
    p = world.porta
    html = signed_in(p.ae).get("/o/porta/portfolio/").content.decode()
    cell = re.search(r'<td class="text-end" data-testid="account-billing">(.*?)</td>', html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", cell).split()) == f"€90.40 €90.40 overdue {p.invoice.number} · 15 days"
    assert f'href="/o/porta/billing/invoices/{p.invoice.pk}/"' in cell


@pytest.mark.parametrize("count", [1, 50])
def test_the_portfolio_reads_the_figures_of_every_row_in_one_query(world, count, django_assert_num_queries):
    _accounts_owing(world, count - 1)
    client = signed_in(world.porta.lead)
    client.get("/o/porta/portfolio/")
    with django_assert_num_queries(13):  # tests/accounts/test_views.py: the portfolio's, billing's summary among them
        response = client.get("/o/porta/portfolio/")
    assert response.content.decode().count("overdue</div>") == min(count, 25)


def test_the_account_page_shows_the_balance_and_the_oldest_overdue_invoice(world):
    p = world.porta
    response = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/")
    assert (_text(response, "account-balance"), _text(response, "account-overdue")) == ("€90.40", "€90.40")
    due = timezone.localdate() - timedelta(days=15)
    assert (
        " ".join(re.sub(r"<[^>]+>", " ", _block(response, "account-oldest-overdue")).split())
        == f"Oldest overdue invoice: {p.invoice.number} , due {_short(due)}, 15 days late"
    )


def test_an_account_with_nothing_overdue_says_so(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.payment_record(
            organization=p.org,
            actor=p.finance,
            account=p.account,
            amount=D("100.00"),
            received_on=timezone.localdate(),
            allocations=[(p.invoice, D("90.40"))],
        )
    response = signed_in(p.ae).get(f"/o/porta/accounts/{p.account.pk}/")
    assert (_text(response, "account-balance"), _text(response, "account-overdue")) == ("-€9.60", "€0.00")
    assert "In the account's favour" in response.content.decode()
    assert "Nothing overdue." in _block(response, "account-oldest-overdue")


def _block(response, testid: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)]


def test_a_new_member_with_no_account_sees_an_empty_page(world, example):
    newcomer = add_member(world.porta.org, "ae3", ["account_executive"])
    response = signed_in(newcomer).get(ON_AS_OF)
    assert _rows(response) == []
    assert "No account owes anything for these filters." in response.content.decode()
    assert _text(response, "total-outstanding") == "€0.00"


def test_the_navigation_has_receivables_in_the_billing_section(world):
    html = signed_in(world.porta.ae).get(URL).content.decode()
    assert re.search(r'<a class="nav-link active" href="/o/porta/billing/receivables/">', html)
