import csv
import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook

from accounts import services as accounts_services
from clients import services as clients_services
from clients.models import Client, Contact
from tenancy.models import AuditEvent, Export
from tenancy.scope import tenant_scope
from tenancy.tasks import export_prepare
from tests.factories import add_client, dni, post_unchanged, signed_in
from tests.tenancy.isolation import snapshot

VALID_FORM = {
    "legal_name": "Fusteria Gràcia SL",
    "trade_name": "Fusteria Gràcia",
    "tax_id": "12345678Z",
    "country": "ES",
    "sector": "construction",
    "size_band": "micro",
    "city": "Barcelona",
    "website": "https://fusteria.example",
    "status": "prospect",
    "notes": "Family business; buys twice a year.",
    "weight_price": "40",
    "weight_time_to_market": "10",
    "weight_delivery_time": "20",
    "weight_quality": "30",
}


def _row_ids(content: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'data-testid="client-row" data-client-id="(\d+)"', content)]


def _field_feedback(html: str, field_id: str) -> str:
    """The text from a field's widget to the next field's label: where its errors show."""
    start = html.index(f'id="{field_id}"')
    end = html.find("<label", start)
    return html[start : end if end != -1 else len(html)]


# --- The list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2", "finance"])
def test_every_member_sees_the_directory_and_a_clients_page(world, role):
    browser = signed_in(getattr(world.porta, role))
    listing = browser.get("/o/porta/clients/")
    detail = browser.get(f"/o/porta/clients/{world.porta.client.pk}/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert _row_ids(listing.content) == [world.porta.client.pk]
    assert b"Porta Digital Client SL" in listing.content and b"Porta Client" in listing.content
    assert b"Contact Porta" in detail.content and b"contact@porta-client.example" in detail.content
    assert b"Nordwind" not in listing.content + detail.content


def test_the_new_client_and_edit_buttons_show_only_to_people_who_may_edit(world):
    ae_list = signed_in(world.porta.ae).get("/o/porta/clients/").content
    finance_list = signed_in(world.porta.finance).get("/o/porta/clients/").content
    ae_detail = signed_in(world.porta.ae).get(f"/o/porta/clients/{world.porta.client.pk}/").content
    finance_detail = signed_in(world.porta.finance).get(f"/o/porta/clients/{world.porta.client.pk}/").content
    assert (b'data-testid="new-client"' in ae_list, b'data-testid="new-client"' in finance_list) == (True, False)
    assert (b'data-testid="edit-client"' in ae_detail, b'data-testid="edit-client"' in finance_detail) == (True, False)
    assert (b'data-testid="add-contact-form"' in ae_detail, b'data-testid="add-contact-form"' in finance_detail) == (
        True,
        False,
    )
    assert (b"?edit=1" in ae_detail, b"?edit=1" in finance_detail) == (True, False)


def test_htmx_gets_the_results_partial_and_a_plain_request_the_page_from_the_same_view(world):
    browser = signed_in(world.porta.ae)
    page = browser.get("/o/porta/clients/?q=lleida")
    partial = browser.get("/o/porta/clients/?q=lleida", HTTP_HX_REQUEST="true")
    assert page.status_code == partial.status_code == 200
    assert (
        b"<html" in page.content
        and b'id="client-results"' in page.content
        and b'data-testid="client-filters"' in page.content
    )
    assert partial.content.lstrip().startswith(b'<div id="client-results"')
    assert b"<html" not in partial.content and b'data-testid="client-filters"' not in partial.content
    assert _row_ids(page.content) == _row_ids(partial.content) == [world.porta.client.pk]
    assert partial["Vary"].count("HX-Request") == 1


def test_a_history_restore_gets_the_whole_page(world):
    response = signed_in(world.porta.ae).get(
        "/o/porta/clients/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert b"<html" in response.content


def test_filters_and_sort_come_from_the_url(world):
    p = world.porta
    alfa = add_client(p, 1, legal_name="Alfa Serveis SL", city="Reus", status="active", sector="retail")
    beta = add_client(p, 2, legal_name="Beta Logística SA", city="Vic", status="prospect", sector="retail")
    gamma = add_client(p, 3, legal_name="Gamma Retail SL", city="Olot", status="active", sector="retail")
    add_client(p, 4, legal_name="Delta Energia SL", city="Reus", status="active", sector="energy")
    browser = signed_in(p.ae)

    assert _row_ids(browser.get("/o/porta/clients/?sector=retail&status=active").content) == [
        alfa.pk,
        gamma.pk,
        p.client.pk,
    ]
    assert _row_ids(browser.get("/o/porta/clients/?sector=retail&status=active&sort=-name").content) == [
        p.client.pk,
        gamma.pk,
        alfa.pk,
    ]
    assert _row_ids(browser.get("/o/porta/clients/?sector=retail&sort=city").content) == [
        p.client.pk,
        gamma.pk,
        alfa.pk,
        beta.pk,
    ]
    assert _row_ids(browser.get("/o/porta/clients/?q=logistica").content) == [beta.pk]
    # the form shows what the URL asked for
    text = browser.get("/o/porta/clients/?status=prospect&sort=-city").content.decode()
    assert '<option value="prospect" selected>' in text and '<option value="-city" selected>' in text


def test_the_list_pages_by_25_with_the_page_in_the_url(world):
    p = world.porta
    for n in range(30):
        add_client(p, n)
    browser = signed_in(p.ae)
    first, second = browser.get("/o/porta/clients/"), browser.get("/o/porta/clients/?page=2")
    assert (len(_row_ids(first.content)), len(_row_ids(second.content))) == (25, 6)
    assert set(_row_ids(first.content)).isdisjoint(_row_ids(second.content))
    assert b"31 clients" in first.content
    assert b'href="/o/porta/clients/?page=2"' in first.content
    # an unknown page number shows the last page rather than failing
    assert _row_ids(browser.get("/o/porta/clients/?page=99").content) == _row_ids(second.content)


# --- Exports -------------------------------------------------------------------------------

EXPORT_HEADER = ["Legal name", "Trade name", "Tax id", "Sector", "City", "Status", "Contacts"]


def _export_world(world):
    p = world.porta
    add_client(
        p,
        1,
        legal_name="Alber Fusters Gràcia SL",
        trade_name='=HYPERLINK("http://x")',
        city="Sant Cugat",
        status="active",
        sector="retail",
        contacts=2,
    )
    add_client(p, 2, legal_name="Beta Logística SA", city="Vic", status="prospect", sector="retail")
    add_client(p, 3, legal_name="Zeta Retail SL", city="Olot", status="active", sector="retail", contacts=1)
    add_client(p, 4, legal_name="Delta Energia SL", city="Reus", status="active", sector="energy")
    return p


def test_csv_export_is_exactly_the_filtered_sorted_list_with_a_bom(world):
    p = _export_world(world)
    browser = signed_in(p.finance)
    query = "?sector=retail&status=active&sort=-name"
    response = browser.get(f"/o/porta/clients/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="clients-porta-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        EXPORT_HEADER,
        ["Zeta Retail SL", "", dni(10_000_003), "Retail", "Olot", "Active", "1"],
        ["Porta Digital Client SL", "Porta Client", "B12345674", "Retail", "Lleida", "Active", "1"],
        [
            "Alber Fusters Gràcia SL",
            '\'=HYPERLINK("http://x")',
            dni(10_000_001),
            "Retail",
            "Sant Cugat",
            "Active",
            "2",
        ],
    ]
    # the same rows, in the same order, as the list shows
    listed = browser.get(f"/o/porta/clients/{query}").content.decode()
    assert [
        re.sub(r"\s+", " ", name)
        for name in re.findall(r'data-testid="client-row".*?<a [^>]*>([^<]+)</a>', listed, re.S)
    ] == [
        "Zeta Retail SL",
        "Porta Digital Client SL",
        "Alber Fusters Gràcia SL",
    ]


def test_xlsx_export_is_exactly_the_filtered_sorted_list_with_numbers_as_numbers(world):
    p = _export_world(world)
    response = signed_in(p.ae).get("/o/porta/clients/export.xlsx?sector=retail&sort=city")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Clients"
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        EXPORT_HEADER,
        ["Porta Digital Client SL", "Porta Client", "B12345674", "Retail", "Lleida", "Active", 1],
        ["Zeta Retail SL", None, dni(10_000_003), "Retail", "Olot", "Active", 1],
        ["Alber Fusters Gràcia SL", '=HYPERLINK("http://x")', dni(10_000_001), "Retail", "Sant Cugat", "Active", 2],
        ["Beta Logística SA", None, dni(10_000_002), "Retail", "Vic", "Prospect", 0],
    ]
    # text that looks like a formula stays text
    assert sheet["B4"].data_type == "s"


def test_exports_ignore_the_page_and_follow_the_language(world):
    p = world.porta
    for n in range(30):
        add_client(p, n)
    browser = signed_in(p.ae)
    rows = list(csv.reader(io.StringIO(browser.get("/o/porta/clients/export.csv?page=2").content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 31
    browser.post("/language/", {"language": "es", "next": "/"})
    spanish = list(
        csv.reader(io.StringIO(browser.get("/o/porta/clients/export.csv?q=lleida").content.decode("utf-8-sig")))
    )
    assert (spanish[1][0], spanish[1][5]) == ("Porta Digital Client SL", "Activo")


# --- Creating and editing a client ---------------------------------------------------------


def test_an_account_executive_creates_a_client_and_lands_on_its_page(world, in_scope):
    p = world.porta
    browser = signed_in(p.ae)
    response = browser.post("/o/porta/clients/new/", VALID_FORM)
    with in_scope(p.org):
        client = Client.objects.get(tax_id="12345678Z")
        event = AuditEvent.objects.get(action="client.create", object_id=client.pk)
    assert (response.status_code, response["Location"]) == (302, f"/o/porta/clients/{client.pk}/")
    assert (client.legal_name, client.trade_name, client.city, client.sector, client.size_band, client.status) == (
        "Fusteria Gràcia SL",
        "Fusteria Gràcia",
        "Barcelona",
        "construction",
        "micro",
        "prospect",
    )
    assert (client.weight_price, client.weight_time_to_market, client.weight_delivery_time, client.weight_quality) == (
        40,
        10,
        20,
        30,
    )
    assert event.actor_id == p.ae.user_id
    page = browser.get(response["Location"]).content.decode()
    assert "Client Fusteria Gràcia was created." in page
    # the stacked bar is drawn with width classes, largest first, and no style attribute
    assert re.findall(r'class="progress (w-pct-\d+)"', page) == ["w-pct-40", "w-pct-30", "w-pct-20", "w-pct-10"]
    assert " style=" not in page


def test_creating_with_htmx_redirects_the_browser_to_the_new_client(world, in_scope):
    response = signed_in(world.porta.admin).post("/o/porta/clients/new/", VALID_FORM, HTTP_HX_REQUEST="true")
    with in_scope(world.porta.org):
        client = Client.objects.get(tax_id="12345678Z")
    assert (response.status_code, response["HX-Redirect"]) == (200, f"/o/porta/clients/{client.pk}/")


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"tax_id": "12345678A"}, "id_tax_id", "This is not a valid Spanish NIF or CIF."),
        ({"weight_quality": "20"}, "weights-errors", "The four weights must add up to 100 (they add up to 90)."),
        ({"legal_name": "x" * 201}, "id_legal_name", "At most 200 characters (this has 201)."),
        ({"legal_name": "  "}, "id_legal_name", "This field is required."),
        ({"website": "fusteria.example"}, "id_website", "Enter a full web address, like https://example.com."),
        ({"tax_id": "B12345674"}, "id_tax_id", "A client with this tax id already exists."),
        ({"sector": "mining"}, "id_sector", "Select a valid choice. mining is not one of the available choices."),
    ],
)
def test_creating_with_bad_input_shows_the_message_on_its_field_and_writes_nothing(world, change, field_id, message):
    response, unchanged = post_unchanged(
        world.porta.ae, "/o/porta/clients/new/", {**VALID_FORM, **change}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<form id="client-form"')
    assert message in _field_feedback(html, field_id)
    assert html.count(message) == 1
    assert unchanged


def test_several_mistakes_show_together_with_a_summary_on_top(world):
    response, unchanged = post_unchanged(
        world.porta.ae, "/o/porta/clients/new/", {**VALID_FORM, "tax_id": "12345678A", "weight_price": "30"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This is not a valid Spanish NIF or CIF." in _field_feedback(html, "id_tax_id")
    assert "The four weights must add up to 100 (they add up to 90)." in _field_feedback(html, "weights-errors")
    assert re.search(r'data-testid="form-errors">\s*<div>Some fields need attention.</div>', html)
    # what was typed is kept, and the sliders show the posted numbers and their total
    assert 'value="Fusteria Gràcia SL"' in html and "data-weights-sum>90<" in html
    assert unchanged


def test_an_editor_changes_a_client(world, in_scope):
    p = world.porta
    data = {
        **VALID_FORM,
        "legal_name": "Porta Digital Client SL",
        "tax_id": "ESB12345674",
        "trade_name": "Porta Renamed",
        "weight_price": "70",
        "weight_time_to_market": "10",
        "weight_delivery_time": "10",
        "weight_quality": "10",
    }
    form = signed_in(p.lead).get(f"/o/porta/clients/{p.client.pk}/edit/").content.decode()
    assert 'value="Porta Digital Client SL"' in form and 'value="B12345674"' in form
    response = signed_in(p.lead).post(f"/o/porta/clients/{p.client.pk}/edit/", data, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Redirect"]) == (200, f"/o/porta/clients/{p.client.pk}/")
    with in_scope(p.org):
        client = Client.objects.get(pk=p.client.pk)
    assert (client.trade_name, client.tax_id, client.weight_price, client.weight_quality) == (
        "Porta Renamed",
        "B12345674",
        70,
        10,
    )


def test_finance_is_refused_every_change_with_403_and_nothing_changes(world):
    p = world.porta
    browser = signed_in(p.finance)
    before = snapshot()
    answers = [
        browser.get("/o/porta/clients/new/").status_code,
        browser.post("/o/porta/clients/new/", VALID_FORM).status_code,
        browser.get(f"/o/porta/clients/{p.client.pk}/edit/").status_code,
        browser.post(f"/o/porta/clients/{p.client.pk}/edit/", VALID_FORM).status_code,
        browser.post(
            f"/o/porta/clients/{p.client.pk}/contacts/", {"contact-full_name": "Nova"}, HTTP_HX_REQUEST="true"
        ).status_code,
        browser.get(f"/o/porta/contacts/{p.contact.pk}/?edit=1", HTTP_HX_REQUEST="true").status_code,
        browser.post(f"/o/porta/contacts/{p.contact.pk}/", {f"c{p.contact.pk}-full_name": "Renamed"}).status_code,
    ]
    assert answers == [403] * 7
    assert snapshot() == before


def test_unknown_ids_and_another_organisations_ids_answer_404(world):
    browser = signed_in(world.porta.admin)
    nordwind = world.nordwind
    answers = [
        browser.get("/o/porta/clients/999999/").status_code,
        browser.get(f"/o/porta/clients/{nordwind.client.pk}/").status_code,
        browser.get(f"/o/porta/clients/{nordwind.client.pk}/edit/").status_code,
        browser.post(f"/o/porta/clients/{nordwind.client.pk}/contacts/", {"contact-full_name": "Nova"}).status_code,
        browser.get(f"/o/porta/contacts/{nordwind.contact.pk}/?edit=1").status_code,
        browser.post(
            f"/o/porta/contacts/{nordwind.contact.pk}/", {f"c{nordwind.contact.pk}-full_name": "X"}
        ).status_code,
    ]
    assert answers == [404] * 6


# --- A client's page: accounts and contacts -------------------------------------------------


def test_a_clients_page_lists_only_the_accounts_the_person_may_see(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        private = accounts_services.account_create(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            name="Porta Private Account",
            owner=p.ae2,
            currency="EUR",
        )
    seen = {}
    for role in ("admin", "lead", "ae", "ae2", "finance"):
        # the client's page loads this list from the accounts app (hx-trigger="load")
        content = (
            signed_in(getattr(p, role))
            .get(f"/o/porta/clients/{p.client.pk}/accounts/", HTTP_HX_REQUEST="true")
            .content.decode()
        )
        seen[role] = re.findall(r'href="(/o/porta/accounts/\d+/)" data-testid="client-account"', content)
    shared, hidden = f"/o/porta/accounts/{p.account.pk}/", f"/o/porta/accounts/{private.pk}/"
    assert seen == {
        "admin": [shared, hidden],
        "lead": [shared, hidden],  # ae2, its owner, is in the team the lead leads
        "ae": [shared],
        "ae2": [shared, hidden],
        "finance": [shared, hidden],
    }


def test_adding_a_contact_inline_returns_the_contacts_panel(world, in_scope):
    p = world.porta
    response = signed_in(p.ae).post(
        f"/o/porta/clients/{p.client.pk}/contacts/",
        {
            "contact-full_name": "Núria Puig",
            "contact-job_title": "CFO",
            "contact-buying_role": "finance",
            "contact-email": "Nuria@Example.com",
            "contact-language": "ca",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div class="card" id="contacts-panel"')
    assert b"<html" not in response.content and "Núria Puig".encode() in response.content
    assert json.loads(response["HX-Trigger"]) == {
        "accountdesk:messages": [{"level": "success", "text": "Núria Puig was added to the contacts."}]
    }
    with in_scope(p.org):
        contacts = list(
            Contact.objects.filter(client=p.client).values_list(
                "full_name", "job_title", "buying_role", "email", "language", "is_primary"
            )
        )
    assert contacts == [
        ("Contact Porta", "", "decision_maker", "contact@porta-client.example", "es", True),
        ("Núria Puig", "CFO", "finance", "nuria@example.com", "ca", False),
    ]


def test_adding_a_contact_with_bad_input_shows_the_errors_in_the_open_form_and_writes_nothing(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/clients/{p.client.pk}/contacts/",
        {
            "contact-full_name": "",
            "contact-email": "not-an-email",
            "contact-buying_role": "user",
            "contact-language": "es",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in _field_feedback(html, "id_contact-full_name")
    assert "Enter a valid email address." in _field_feedback(html, "id_contact-email")
    assert 'class="collapse show" id="add-contact"' in html
    assert unchanged


def test_adding_a_contact_without_htmx_goes_back_to_the_clients_page(world):
    p = world.porta
    response = signed_in(p.ae).post(
        f"/o/porta/clients/{p.client.pk}/contacts/",
        {"contact-full_name": "Pau Roca", "contact-buying_role": "user", "contact-language": "es"},
    )
    assert (response.status_code, response["Location"]) == (302, f"/o/porta/clients/{p.client.pk}/#contacts")


def test_editing_a_contact_inline_swaps_its_row(world, in_scope):
    p = world.porta
    browser = signed_in(p.ae)
    key = f"c{p.contact.pk}"
    edit = browser.get(f"/o/porta/contacts/{p.contact.pk}/?edit=1", HTTP_HX_REQUEST="true")
    assert edit.content.lstrip().startswith(f'<tr id="contact-{p.contact.pk}"'.encode())
    assert f'name="{key}-full_name"'.encode() in edit.content and b'value="Contact Porta"' in edit.content
    saved = browser.post(
        f"/o/porta/contacts/{p.contact.pk}/",
        {
            f"{key}-full_name": "Contact Porta",
            f"{key}-job_title": "Head of buying",
            f"{key}-buying_role": "decision_maker",
            f"{key}-email": "contact@porta-client.example",
            f"{key}-language": "ca",
            f"{key}-is_primary": "on",
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert saved.content.lstrip().startswith(f'<tr id="contact-{p.contact.pk}"'.encode())
    assert (
        b"Head of buying" in saved.content
        and b"<form" not in saved.content
        and b"HX-Retarget" not in saved.serialize_headers()
    )
    cancel = browser.get(f"/o/porta/contacts/{p.contact.pk}/", HTTP_HX_REQUEST="true")
    assert b"Head of buying" in cancel.content and b"<form" not in cancel.content
    with in_scope(p.org):
        assert Contact.objects.filter(pk=p.contact.pk).values_list("job_title", "language").get() == (
            "Head of buying",
            "ca",
        )


def test_editing_a_contact_with_bad_input_keeps_the_form_in_the_row_and_writes_nothing(world):
    p = world.porta
    key = f"c{p.contact.pk}"
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/contacts/{p.contact.pk}/",
        {
            f"{key}-full_name": "Contact Porta",
            f"{key}-email": "nope",
            f"{key}-buying_role": "user",
            f"{key}-language": "es",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith(f'<tr id="contact-{p.contact.pk}"')
    assert "Enter a valid email address." in _field_feedback(html, f"id_{key}-email")
    assert unchanged


def test_making_another_contact_primary_redraws_the_whole_panel(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        second = clients_services.contact_create(
            organization=p.org, actor=p.admin, client=p.client, full_name="Anna Vidal"
        )
    key = f"c{second.pk}"
    response = signed_in(p.ae).post(
        f"/o/porta/contacts/{second.pk}/",
        {
            f"{key}-full_name": "Anna Vidal",
            f"{key}-buying_role": "user",
            f"{key}-language": "es",
            f"{key}-is_primary": "on",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert (response.status_code, response["HX-Retarget"], response["HX-Reswap"]) == (
        200,
        "#contacts-panel",
        "outerHTML",
    )
    assert html.lstrip().startswith('<div class="card" id="contacts-panel"')
    assert re.findall(r'<tr id="contact-(\d+)"', html) == [str(second.pk), str(p.contact.pk)]
    assert html.count('data-testid="primary-badge"') == 1
    with in_scope(p.org):
        assert list(Contact.objects.filter(client=p.client, is_primary=True).values_list("pk", flat=True)) == [
            second.pk
        ]


# --- Query counts: the same whatever the data size -----------------------------------------


def _count_queries(django_assert_num_queries, browser, url, expected):
    with django_assert_num_queries(expected):
        response = browser.get(url)
    assert response.status_code == 200
    return response


# user, organisation, savepoint, tenant setting, membership, [page queries], setting reset, release
LIST_QUERIES = 9  # + count, page rows (the organisation switcher loads when opened)
DETAIL_QUERIES = 9  # + client, contacts (accounts load separately, from accounts)
EXPORT_QUERIES = 8  # + every filtered row, in one query


def test_the_list_takes_the_same_queries_with_1_and_with_50_clients(world, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.ae)
    one = _count_queries(django_assert_num_queries, browser, "/o/porta/clients/", LIST_QUERIES)
    assert len(_row_ids(one.content)) == 1
    for n in range(49):
        add_client(p, n, contacts=2)
    many = _count_queries(django_assert_num_queries, browser, "/o/porta/clients/?sort=-name", LIST_QUERIES)
    assert len(_row_ids(many.content)) == 25
    _count_queries(django_assert_num_queries, browser, "/o/porta/clients/?page=2", LIST_QUERIES)


def test_the_clients_page_takes_the_same_queries_with_1_and_with_50_contacts(
    world, django_assert_num_queries, in_scope
):
    p = world.porta
    browser = signed_in(p.ae)
    one = _count_queries(django_assert_num_queries, browser, f"/o/porta/clients/{p.client.pk}/", DETAIL_QUERIES)
    assert one.content.count(b'data-testid="contact-row"') == 1
    with in_scope(p.org):
        for i in range(49):
            clients_services.contact_create(
                organization=p.org, actor=p.admin, client=p.client, full_name=f"Person {i:02d}"
            )
        for i in range(5):
            account = accounts_services.account_create(
                organization=p.org, actor=p.admin, client=p.client, name=f"Extra {i}", owner=p.ae, currency="EUR"
            )
    many = _count_queries(django_assert_num_queries, browser, f"/o/porta/clients/{p.client.pk}/", DETAIL_QUERIES)
    assert many.content.count(b'data-testid="contact-row"') == 50
    accounts = browser.get(f"/o/porta/clients/{p.client.pk}/accounts/", HTTP_HX_REQUEST="true")
    assert accounts.content.count(b'data-testid="client-account"') == 6
    assert account.pk


def test_exports_take_the_same_queries_with_1_and_with_50_clients(world, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.ae)
    with django_assert_num_queries(EXPORT_QUERIES):
        browser.get("/o/porta/clients/export.csv")
    for n in range(49):
        add_client(p, n, contacts=1)
    with django_assert_num_queries(EXPORT_QUERIES):
        csv_response = browser.get("/o/porta/clients/export.csv")
    with django_assert_num_queries(EXPORT_QUERIES):
        browser.get("/o/porta/clients/export.xlsx")
    assert len(csv_response.content.decode("utf-8-sig").splitlines()) == 51


def test_the_pages_need_no_inline_style_or_script(world):
    # The Content-Security-Policy forbids both: bar widths are classes, behaviour is in files.
    p = world.porta
    browser = signed_in(p.admin)
    pages = [
        "/o/porta/clients/",
        f"/o/porta/clients/{p.client.pk}/",
        "/o/porta/clients/new/",
        f"/o/porta/clients/{p.client.pk}/edit/",
        f"/o/porta/contacts/{p.contact.pk}/?edit=1",
    ]
    for url in pages:
        html = browser.get(url).content.decode()
        assert " style=" not in html, url
        assert [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag and "nonce=" not in tag] == [], (
            url
        )
    form = browser.get("/o/porta/clients/new/").content.decode()
    assert form.count('type="range"') == 4 and '<script src="/static/js/clients.js" defer>' in form
    assert re.findall(r'data-weight-segment="(\w+)"', form) == [
        "weight_price",
        "weight_time_to_market",
        "weight_delivery_time",
        "weight_quality",
    ]
    assert form.count('class="progress w-pct-25"') == 4


def test_each_clients_bar_follows_its_own_weights_when_drawn_one_after_the_other(world, in_scope):
    # given the demo client at 25 each, and a second client that values quality most
    p = world.porta
    with in_scope(p.org):
        other = clients_services.client_create(
            organization=p.org,
            actor=p.admin,
            legal_name="Quality First SL",
            tax_id="12345678Z",
            country="ES",
            weight_price=10,
            weight_time_to_market=20,
            weight_delivery_time=30,
            weight_quality=40,
        )
    browser = signed_in(p.admin)
    # when both pages are drawn, twice each, alternately
    pages = [
        browser.get(f"/o/porta/clients/{pk}/").content.decode() for pk in (p.client.pk, other.pk, p.client.pk, other.pk)
    ]
    bars = [re.findall(r'class="progress (w-pct-\d+)"', page) for page in pages]
    # then each shows its own
    assert bars == [
        ["w-pct-25"] * 4,
        ["w-pct-40", "w-pct-30", "w-pct-20", "w-pct-10"],
        ["w-pct-25"] * 4,
        ["w-pct-40", "w-pct-30", "w-pct-20", "w-pct-10"],
    ]
    assert "Lead offers with quality." in pages[1] and "Lead offers with" not in pages[0]


# --- The one list pattern: sort headers, shared pagination, the export registry ---------------


def _sort_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'<a class="ad-sort text-decoration-none" href="([^"]+)"[^>]*>([^<]+?)(?: [↑↓])?</a>', html))


def test_the_column_headings_sort_the_list_keeping_the_filters(world):
    browser = signed_in(world.porta.ae)
    unsorted = browser.get("/o/porta/clients/?status=active&page=1").content.decode()
    by_city = browser.get("/o/porta/clients/?status=active&sort=city").content.decode()
    assert {label: href for href, label in _sort_links(unsorted).items()} == {
        "Client": "?status=active&amp;sort=-name",  # sorted by name already: the next click reverses it
        "City": "?status=active&amp;sort=city",
        "Status": "?status=active&amp;sort=status",
    }
    assert {label: href for href, label in _sort_links(by_city).items()} == {
        "Client": "?status=active&amp;sort=name",
        "City": "?status=active&amp;sort=-city",
        "Status": "?status=active&amp;sort=status",
    }
    assert 'aria-sort="ascending">City ↑</a>' in by_city


def test_ties_are_broken_by_name_then_id_in_the_direction_asked(world):
    p = world.porta
    b = add_client(p, 1, legal_name="Bravo SL", city="Vic")
    a = add_client(p, 2, legal_name="Alfa SL", city="Vic")
    a2 = add_client(p, 3, legal_name="Alfa SL", city="Vic")
    browser = signed_in(p.ae)
    assert _row_ids(browser.get("/o/porta/clients/?sort=city").content) == [p.client.pk, a.pk, a2.pk, b.pk]
    assert _row_ids(browser.get("/o/porta/clients/?sort=-city").content) == [b.pk, a2.pk, a.pk, p.client.pk]
    assert _row_ids(browser.get("/o/porta/clients/?sort=-status").content) == _row_ids(
        browser.get("/o/porta/clients/?sort=-name").content
    )


def test_an_unknown_sort_is_ignored_on_the_page_and_in_the_api(world):
    p = world.porta
    alfa = add_client(p, 1, legal_name="Alfa SL")
    browser = signed_in(p.ae)
    page = browser.get("/o/porta/clients/?sort=price")
    api = browser.get("/api/v1/o/porta/clients/?sort=price")
    assert (page.status_code, _row_ids(page.content)) == (200, [alfa.pk, p.client.pk])
    assert (api.status_code, [row["id"] for row in api.json()["results"]]) == (200, [alfa.pk, p.client.pk])


def test_the_export_buttons_export_what_the_list_shows(world):
    html = signed_in(world.porta.ae).get("/o/porta/clients/?status=active&sort=-name&page=1").content.decode()
    assert (
        '<form id="export-buttons" method="post" action="/o/porta/clients/export.csv?status=active&amp;sort=-name"'
        in html
    )
    assert 'formaction="/o/porta/clients/export.xlsx?status=active&amp;sort=-name"' in html


def test_the_pagination_is_the_shared_one(world):
    p = world.porta
    for n in range(30):
        add_client(p, n)
    html = signed_in(p.ae).get("/o/porta/clients/?status=active&page=2").content.decode()
    assert 'data-testid="result-count">31 results<' in html
    assert html.count('hx-target="#client-results"') == 3  # previous, 1, and the form's results
    assert 'href="/o/porta/clients/?status=active&amp;page=1"' in html


@override_settings(EXPORT_INLINE_ROWS=1)
def test_a_long_export_goes_to_the_worker_with_the_lists_filters(world, django_capture_on_commit_callbacks):
    # given two clients, one more than is exported at once
    p = world.porta
    add_client(p, 1, legal_name="Alfa SL")
    browser = signed_in(p.finance)
    # when a bookmarked link asks for it, and then the list's button
    link = browser.get("/o/porta/clients/export.csv?sort=-name")
    with django_capture_on_commit_callbacks() as enqueued:
        button = browser.post("/o/porta/clients/export.xlsx?sort=-name")
    # then the link goes back to the list, which says why; the button queues it as finance sees it
    assert (link.status_code, link["Location"]) == (302, "/o/porta/clients/?sort=-name")
    assert (
        "This list has 2 rows: press its export button to have the file prepared."
        in browser.get(link["Location"]).content.decode()
    )
    with transaction.atomic(), tenant_scope(p.org):
        queued = Export.objects.filter(organization=p.org).latest("id")
    assert (queued.requested_by_id, queued.kind, queued.file_format, queued.query) == (
        p.finance.pk,
        "clients",
        "xlsx",
        "sort=-name",
    )
    assert (button.status_code, button["Location"], len(enqueued)) == (302, f"/o/porta/exports/{queued.pk}/", 1)


def test_the_worker_writes_the_same_rows_as_the_file_at_once(world, django_capture_on_commit_callbacks):
    # given the file at once, and the same export asked for when the list is too long for that
    p = _export_world(world)
    browser = signed_in(p.ae)
    at_once = browser.get("/o/porta/clients/export.csv?sector=retail&sort=-name").content
    with override_settings(EXPORT_INLINE_ROWS=1), django_capture_on_commit_callbacks():
        queued = browser.post("/o/porta/clients/export.csv?sector=retail&sort=-name")
    export_id = int(re.fullmatch(r"/o/porta/exports/(\d+)/", queued["Location"]).group(1))
    # when the task prepares it
    assert export_prepare(organization_id=p.org.pk, export_id=export_id) == "done"
    # then
    with transaction.atomic(), tenant_scope(p.org):
        prepared = Export.objects.get(pk=export_id)
    assert (prepared.rows_total, default_storage.open(prepared.file).read()) == (4, at_once)
