"""The statement pages: the Statements page, an account's statement and product statement and
their files, Send to client, statements in bulk asked for; the API reads. Who sees what (the
role matrix, another organisation), refusals that write nothing, and the queries a page takes
whatever its size."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.db import transaction

from accounts import services as accounts_services
from billing.models import StatementBatch, StatementSending
from billing.tasks import statement_sending_deliver
from clients import services as clients_services
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.factories import add_member, post_unchanged, send_json, signed_in
from tests.tenancy.isolation import body, snapshot

D = Decimal
PERIOD = "start=2024-02-01&end=2024-02-29"


def _page(p, who="finance", query=PERIOD, **headers):
    account = p.account.pk
    return signed_in(getattr(p, who)).get(f"/o/porta/billing/accounts/{account}/statement/?{query}", **headers)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def _outsider(p):
    """An account executive of porta who is not on the account: they do not see it."""
    return add_member(p.org, "ae3", ["account_executive"])


# --- The statement page ---------------------------------------------------------------------------


def test_the_statement_page_shows_the_period_with_its_balances_entries_and_aging(world, february):
    p = world.porta
    response = _page(p)
    text = _text(response)
    assert response.status_code == 200
    assert "Opening balance €335.60 on 01/02/2024" in text
    assert "Closing balance €226.35 on 29/02/2024" in text
    assert (
        re.findall(r'data-testid="statement-entry"', response.content.decode()) == ['data-testid="statement-entry"'] * 5
    )
    # (with the phone's copies of the date, the description and the amount)
    assert "05/02/2024 Invoice 2024-000002 05/02/2024 · Due 06/03/2024 Due 06/03/2024 €235.95 €235.95 €571.55" in text
    assert "61–90 days €145.20" in text and "Balance €226.35" in text
    assert (
        "The PDF is in English. This account has no finance contact with an email: add one to the account team "
        "or to the client's contacts to send it to the client." in text
    )


def test_the_default_period_is_this_year_to_date(world):
    p = world.porta
    response = _page(p, query="")
    with transaction.atomic(), tenant_scope(p.org):
        from django.utils import timezone

        today = timezone.localdate()
    html = response.content.decode()
    assert f'name="start" value="{today.year}-01-01"' in html
    assert f'name="end" value="{today.isoformat()}"' in html


def test_a_period_that_ends_before_it_starts_is_refused_on_the_form(world):
    p = world.porta
    browser = signed_in(p.finance)
    before = snapshot()
    response = browser.get(f"/o/porta/billing/accounts/{p.account.pk}/statement/?start=2024-03-01&end=2024-02-01")
    assert response.status_code == 400
    assert "The period ends on or after the day it starts." in _text(response)
    assert 'data-testid="statement-entries"' not in response.content.decode()
    assert snapshot() == before


def test_an_unknown_file_format_is_not_found(world):
    assert _page(world.porta, query=f"{PERIOD}&format=docx").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("finance", 200),
        ("admin", 200),
        ("ae", 200),  # owns it
        ("ae2", 200),  # on its account team
        ("lead", 200),  # leads its team
        ("outsider", 404),
    ],
)
def test_whoever_sees_the_account_reads_its_statements_and_no_one_else(world, who, status):
    p = world.porta
    if who == "outsider":
        p.outsider = _outsider(p)
    browser = signed_in(getattr(p, who))
    account = p.account.pk
    urls = [
        f"/o/porta/billing/accounts/{account}/statement/",
        f"/o/porta/billing/accounts/{account}/statement/?format=csv",
        f"/o/porta/billing/accounts/{account}/statement/product/?product={p.product.pk}",
        f"/api/v1/o/porta/billing/accounts/{account}/statement/",
        f"/api/v1/o/porta/billing/accounts/{account}/statement/product/?category={p.category.pk}",
    ]
    answers = [browser.get(url) for url in urls]
    assert [r.status_code for r in answers] == [status] * 5
    if status == 404:
        assert all(p.client.legal_name.encode() not in body(r) for r in answers)


def test_another_organisations_account_is_not_found_on_every_statement_route(world):
    p, n = world.porta, world.nordwind
    browser = signed_in(n.finance)
    before = snapshot()
    for url in [
        f"/o/nordwind/billing/accounts/{p.account.pk}/statement/",
        f"/o/nordwind/billing/accounts/{p.account.pk}/statement/?format=pdf",
        f"/o/nordwind/billing/accounts/{p.account.pk}/statement/product/?product={n.product.pk}",
        f"/api/v1/o/nordwind/billing/accounts/{p.account.pk}/statement/",
        f"/o/porta/billing/accounts/{p.account.pk}/statement/",
    ]:
        assert browser.get(url).status_code == 404, url
    response = browser.post(f"/o/nordwind/billing/accounts/{p.account.pk}/statement/send/", {"start": "2024-02-01"})
    assert response.status_code == 404
    assert snapshot() == before


# --- Files ----------------------------------------------------------------------------------------


def test_the_page_downloads_the_statement_as_pdf_csv_and_xlsx(world, february):
    p = world.porta
    pdf = _page(p, query=f"{PERIOD}&format=pdf")
    assert (pdf["Content-Type"], pdf["Content-Disposition"]) == (
        "application/pdf",
        'attachment; filename="statement-porta-account-2024-02-01-2024-02-29.pdf"',
    )
    assert pdf.content.startswith(b"%PDF")
    csv_file = _page(p, query=f"{PERIOD}&format=csv")
    assert csv_file.streaming and csv_file["Content-Type"] == "text/csv; charset=utf-8"
    content = body(csv_file)
    assert content.startswith(b"Date;Type;Document;") and content.count(b"\n") == 8
    excel = body(_page(p, query=f"{PERIOD}&format=csv&bom=1"))
    assert excel == b"\xef\xbb\xbf" + content
    xlsx = _page(p, query=f"{PERIOD}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert (sheet["A12"].value, sheet["B12"].value) == ("Closing balance", 226.35)


def test_the_product_page_asks_for_a_product_then_shows_its_lines_and_attributed_payments(world, mixed_invoice):
    p = world.porta
    browser = signed_in(p.ae)
    url = f"/o/porta/billing/accounts/{p.account.pk}/statement/product/"
    asking = browser.get(f"{url}?{PERIOD}")
    assert asking.status_code == 200 and 'data-testid="statement-choose"' in asking.content.decode()
    assert "invalid-feedback" not in asking.content.decode()
    shown = browser.get(f"{url}?{PERIOD}&product={p.product.pk}")
    html = shown.content.decode()
    assert re.findall(r'data-testid="product-row" data-kind="(\w+)"', html) == [
        "invoice",
        "allocation",
        "credit_note",
        "allocation",
    ]
    text = _text(shown)
    assert "Paid, attributed pro rata €351.29" in text
    assert (  # (with the phone's copies of the date, the share and the amount)
        "10/02/2024 Payment, attributed pro rata Q 10/02/2024 · applied to invoice 2024-000001 · 58.06 % "
        "€333.33 58.06 % €193.55 €193.55" in text
    )
    assert "Payments are attributed to the product pro rata" in text
    both = browser.get(f"{url}?{PERIOD}&product={p.product.pk}&category={p.category.pk}")
    assert both.status_code == 400 and "Choose a product or a category, not both." in _text(both)
    pdf = browser.get(f"{url}?{PERIOD}&product={p.product.pk}&format=pdf")
    assert (
        pdf["Content-Disposition"] == 'attachment; filename="product-statement-porta-account-2024-02-01-2024-02-29.pdf"'
    )


# --- Send to client -------------------------------------------------------------------------------


def _finance_contact(p, language="ca"):
    with transaction.atomic(), tenant_scope(p.org):
        return clients_services.contact_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            full_name="Marta Puig",
            email="marta@porta-client.example",
            buying_role="finance",
            language=language,
        )


def test_an_account_executive_sends_the_statement_to_the_clients_finance_contact(
    world, february, django_capture_on_commit_callbacks
):
    p = world.porta
    _finance_contact(p)
    browser = signed_in(p.ae)
    url = f"/o/porta/billing/accounts/{p.account.pk}/statement/send/"
    with django_capture_on_commit_callbacks() as queued:
        response = browser.post(url, {"start": "2024-02-01", "end": "2024-02-29"})
    assert (response.status_code, response["Location"]) == (
        302,
        f"/o/porta/billing/accounts/{p.account.pk}/statement/?start=2024-02-01&end=2024-02-29",
    )
    assert len(queued) == 1  # the mail leaves once the sending is committed
    page = _text(browser.get(response["Location"]))
    assert "The statement is on its way to Marta Puig (marta@porta-client.example), in Catalan." in page
    with transaction.atomic(), tenant_scope(p.org):
        sending = StatementSending.objects.filter(organization=p.org).latest("id")
        audit = AuditEvent.objects.filter(action="statement.send").values_list("actor", "object_id", "changes").get()
    assert (sending.kind, sending.recipient_email, sending.language, sending.requested_by_id, sending.sent_at) == (
        "by_hand",
        "marta@porta-client.example",
        "ca",
        p.ae.pk,
        None,
    )
    assert audit == (
        p.ae.user.pk,
        p.account.pk,
        {
            "statement_sent_to": [None, "marta@porta-client.example"],
            "period": [None, "2024-02-01/2024-02-29"],
            "language": [None, "ca"],
        },
    )
    # the task mails it once, in Catalan, with the PDF
    assert statement_sending_deliver(organization_id=p.org.pk, sending_id=sending.pk) is True
    assert statement_sending_deliver(organization_id=p.org.pk, sending_id=sending.pk) is False
    (message,) = mail.outbox
    assert message.to == ["marta@porta-client.example"]
    assert message.subject == "Porta Digital: extracte de compte Porta Account, 01/02/2024 a 29/02/2024"
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype, content[:4]) == (
        "statement-porta-account-2024-02-01-2024-02-29.pdf",
        "application/pdf",
        b"%PDF",
    )


def test_an_admin_may_read_but_not_send_a_statement_and_nothing_is_written(world):
    p = world.porta
    _finance_contact(p)
    response, unchanged = post_unchanged(
        p.admin,
        f"/o/porta/billing/accounts/{p.account.pk}/statement/send/",
        {"start": "2024-02-01", "end": "2024-02-29"},
    )
    assert (response.status_code, unchanged) == (403, True)


def test_a_statement_without_a_finance_contact_to_send_to_is_refused_and_nothing_is_written(world):
    p = world.porta
    browser = signed_in(p.finance)
    before = snapshot()
    response = browser.post(
        f"/o/porta/billing/accounts/{p.account.pk}/statement/send/", {"start": "2024-02-01", "end": "2024-02-29"}
    )
    assert snapshot() == before
    page = _text(browser.get(response["Location"]))
    assert "This account has no finance contact with an email" in page


# --- Statements in bulk, asked for ----------------------------------------------------------------


def test_finance_asks_for_everyones_statements_once_and_asking_again_is_the_same_batch(
    world, django_capture_on_commit_callbacks
):
    p = world.porta
    browser = signed_in(p.finance)
    data = {"team": "", "start": "2024-01-01", "end": "2024-02-29", "file_format": "pdf"}
    with django_capture_on_commit_callbacks() as queued:
        first = browser.post("/o/porta/billing/statements/batches/", data)
    with transaction.atomic(), tenant_scope(p.org):
        batch = StatementBatch.objects.filter(organization=p.org, requested_by=p.finance).get()
    assert (first.status_code, first["Location"], len(queued)) == (
        302,
        f"/o/porta/billing/statements/batches/{batch.pk}/",
        1,
    )
    before = snapshot()
    with django_capture_on_commit_callbacks() as queued_again:
        second = browser.post("/o/porta/billing/statements/batches/", data)
    assert (second["Location"], len(queued_again), snapshot() == before) == (first["Location"], 0, True)
    status = browser.get(second["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert status.lstrip().startswith(
        f'<div id="batch-status" data-testid="batch-status" data-status="queued" data-done="0" data-total="0" '
        f'hx-get="/o/porta/billing/statements/batches/{batch.pk}/" hx-trigger="every 1s"'
    )


@pytest.mark.parametrize(
    ("who", "team", "status"),
    [("lead", "own", 302), ("lead", "", 400), ("ae", "own", 403), ("admin", "", 302)],
)
def test_who_may_ask_for_statements_in_bulk(world, who, team, status):
    p = world.porta
    data = {"team": p.team.pk if team else "", "start": "2024-01-01", "end": "2024-02-29", "file_format": "csv"}
    response, unchanged = post_unchanged(getattr(p, who), "/o/porta/billing/statements/batches/", data)
    assert (response.status_code, unchanged) == (status, status != 302)


def test_a_batch_is_only_for_who_asked_for_it(world):
    p = world.porta
    batch = p.statement_batch  # the admin's
    for who in ("finance", "ae"):
        browser = signed_in(getattr(p, who))
        assert browser.get(f"/o/porta/billing/statements/batches/{batch.pk}/").status_code == 404
        assert browser.get(f"/o/porta/billing/statements/batches/{batch.pk}/download/").status_code == 404
    download = signed_in(p.admin).get(f"/o/porta/billing/statements/batches/{batch.pk}/download/")
    assert download.status_code == 200 and body(download).startswith(b"PK")


# --- The Statements page --------------------------------------------------------------------------


def test_the_statements_page_lists_the_accounts_one_sees_with_their_balance(world):
    p = world.porta
    p.outsider = _outsider(p)
    with transaction.atomic(), tenant_scope(p.org):
        accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Hidden account", owner=p.outsider
        )
    names = {}
    for who in ("finance", "ae", "outsider"):
        html = signed_in(getattr(p, who)).get("/o/porta/billing/statements/").content.decode()
        names[who] = re.findall(r'class="fw-semibold text-decoration-none" href="[^"]+">([^<]+)</a>', html)
    assert names == {
        "finance": ["Hidden account", "Porta Account"],
        "ae": ["Porta Account"],
        "outsider": ["Hidden account"],
    }
    text = _text(signed_in(p.ae).get("/o/porta/billing/statements/"))
    assert "Porta Account Porta Client Porta Client Team Porta Digital €90.40" in text
    export = body(signed_in(p.finance).post("/o/porta/billing/statements/export.csv?sort=-balance"))
    assert export.decode("utf-8-sig").splitlines()[:2] == [
        "Account,Client,Tax id,Team,Currency,Balance,Last movement",
        f"Porta Account,Porta Digital Client SL,B12345674,Team Porta Digital,EUR,90.40,{p.payment.received_on.isoformat()}",
    ]


# --- Queries: the same whatever the size ----------------------------------------------------------

# session, user, organisation, savepoint, tenant setting, membership, [the page's], release
STATEMENT_QUERIES = 17  # + account, totals, aging, entry count, credit, page of entries, reader (2), sendings
LIST_QUERIES = 12  # + teams, count, page rows, batches, …


def _second_account(p):
    with transaction.atomic(), tenant_scope(p.org):
        return accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Porta Counted", owner=p.ae, sales_team=p.team
        )


def test_the_statement_page_takes_the_same_queries_with_1_and_with_50_entries(
    world, issued, paid, django_assert_num_queries
):
    p = world.porta
    account = _second_account(p)
    issued(p, account=account, issue_date=date(2024, 2, 1))
    browser = signed_in(p.ae)
    url = f"/o/porta/billing/accounts/{account.pk}/statement/?{PERIOD}"
    with django_assert_num_queries(STATEMENT_QUERIES):
        one = browser.get(url)
    assert one.content.decode().count('data-testid="statement-entry"') == 1
    for n in range(49):
        paid(p, "1.00", date(2024, 2, 2) + timedelta(days=n % 20), account=account, reference=f"R{n}")
    with django_assert_num_queries(STATEMENT_QUERIES):
        fifty = browser.get(url)
    assert fifty.content.decode().count('data-testid="statement-entry"') == 50


def test_the_statements_page_takes_the_same_queries_with_1_and_with_50_accounts(world, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.finance)
    with django_assert_num_queries(LIST_QUERIES):
        one = browser.get("/o/porta/billing/statements/")
    assert one.content.decode().count('data-testid="statement-row"') == 1
    with transaction.atomic(), tenant_scope(p.org):
        for n in range(49):
            accounts_services.account_create(
                organization=p.org, actor=p.admin, client=p.client, name=f"Account {n:02d}", owner=p.ae
            )
    with django_assert_num_queries(LIST_QUERIES):
        many = browser.get("/o/porta/billing/statements/?sort=-balance")
    assert many.content.decode().count('data-testid="statement-row"') == 25


# --- The API --------------------------------------------------------------------------------------


def test_the_api_reads_the_statement_as_json_and_as_files(world, february):
    p = world.porta
    browser = signed_in(p.ae)
    url = f"/api/v1/o/porta/billing/accounts/{p.account.pk}/statement/"
    data = browser.get(f"{url}?{PERIOD}").json()
    assert {
        k: data[k] for k in ("currency", "start", "end", "opening_balance", "debits", "credits", "closing_balance")
    } == {
        "currency": "EUR",
        "start": "2024-02-01",
        "end": "2024-02-29",
        "opening_balance": "335.60",
        "debits": "285.95",
        "credits": "395.20",
        "closing_balance": "226.35",
    }
    assert data["client"] == {"id": p.client.pk, "legal_name": "Porta Digital Client SL", "tax_id": "B12345674"}
    assert data["entries"][-1] == {
        "date": "2024-02-25",
        "kind": "payment_reversal",
        "document": "P3",
        "description": "Returned: Bounced.",
        "due_date": None,
        "debit": "50.00",
        "credit": "0.00",
        "balance": "226.35",
        "invoice": None,
        "credit_note": None,
        "payment": data["entries"][-1]["payment"],
    }
    assert data["aging"] == {
        "as_of": "2024-02-29",
        "current": "81.15",
        "days_1_30": "0.00",
        "days_31_60": "0.00",
        "days_61_90": "145.20",
        "days_91_120": "0.00",
        "over_120": "0.00",
        "total_open": "226.35",
        "unallocated": "0.00",
        "balance": "226.35",
    }
    csv_file = browser.get(f"{url}?{PERIOD}&format=csv&bom=true")
    assert body(csv_file).startswith(b"\xef\xbb\xbfDate;Type;") and csv_file["Content-Type"].startswith("text/csv")
    assert browser.get(f"{url}?{PERIOD}&format=pdf").content.startswith(b"%PDF")
    assert browser.get(f"{url}?{PERIOD}&format=xlsx").content.startswith(b"PK")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("start=2024-03-01&end=2024-02-01", {"end": "The period ends on or after the day it starts."}),
        ("format=docx", {"format": '"docx" is not a valid choice.'}),
        ("start=someday", {"start": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."}),
        ("colour=red", {"colour": "Unknown field."}),
    ],
)
def test_the_api_refuses_bad_parameters_in_its_error_shape(world, query, fields):
    p = world.porta
    response = signed_in(p.finance).get(f"/api/v1/o/porta/billing/accounts/{p.account.pk}/statement/?{query}")
    assert (response.status_code, response["Content-Type"], response.json()["error"]["fields"]) == (
        400,
        "application/json",
        fields,
    )


def test_the_api_reads_the_product_statement_with_its_attributed_rows(world, mixed_invoice):
    p = world.porta
    url = f"/api/v1/o/porta/billing/accounts/{p.account.pk}/statement/product/"
    data = send_json(signed_in(p.lead), "get", f"{url}?{PERIOD}&product={p.product.pk}").json()
    assert (data["product"], data["attributed_paid"], data["net_invoiced"], data["net_credited"]) == (
        {"id": p.product.pk, "sku": "PORTA-001", "name": "Sensor kit"},
        "351.29",
        "360.00",
        "120.00",
    )
    assert [(r["kind"], r["attributed_pro_rata"], r["share"], r["attributed"]) for r in data["rows"]] == [
        ("invoice", False, None, None),
        ("allocation", True, "0.58064516", "193.55"),
        ("credit_note", False, None, None),
        ("allocation", True, "0.58064516", "157.74"),
    ]
    neither = signed_in(p.lead).get(f"{url}?{PERIOD}")
    assert neither.json()["error"]["fields"] == {"product": "Choose a product or a category (one of them)."}
    other = signed_in(p.lead).get(f"{url}?product={world.nordwind.product.pk}")
    assert other.json()["error"]["fields"] == {"product": "Choose a product of the catalogue."}
