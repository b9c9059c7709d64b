"""The clients and contacts API: every member reads the directory, finance does not change it,
bad input is refused in the one error shape and writes nothing, lists filter like the pages and
page with a cursor."""

import json

import pytest
from django.db import transaction

from clients.models import Client, Contact
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.factories import add_client, send_json, signed_in
from tests.tenancy.isolation import snapshot

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
FINANCE_REFUSED = {
    "error": {"code": "permission_denied", "message": "Your role may read clients but not change them.", "fields": {}}
}


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def _client_body(client: Client, **changes) -> dict:
    body = {
        "id": client.pk,
        "legal_name": client.legal_name,
        "trade_name": client.trade_name,
        "display_name": client.display_name,
        "tax_id": client.tax_id,
        "country": client.country,
        "sector": client.sector,
        "size_band": client.size_band,
        "city": client.city,
        "website": client.website,
        "status": client.status,
        "notes": client.notes,
        "weight_price": client.weight_price,
        "weight_time_to_market": client.weight_time_to_market,
        "weight_delivery_time": client.weight_delivery_time,
        "weight_quality": client.weight_quality,
    }
    return body | changes


def _without_times(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


# --- Reading: the directory is everyone's --------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "ae2", "finance"])
def test_every_member_lists_their_organisations_clients(world, role):
    p = world.porta
    response = signed_in(getattr(p, role)).get("/api/v1/o/porta/clients/")
    body = response.json()
    assert (response.status_code, body["next"], body["previous"]) == (200, None, None)
    assert [_without_times(row) for row in body["results"]] == [_client_body(p.client)]


def test_a_client_is_read_with_its_contacts(world):
    p = world.porta
    response = signed_in(p.finance).get(f"/api/v1/o/porta/clients/{p.client.pk}/")
    assert response.status_code == 200
    assert _without_times(response.json()) == _client_body(p.client) | {
        "legal_name": "Porta Digital Client SL",
        "display_name": "Porta Client",
        "tax_id": "B12345674",
        "status": "active",
        "contacts": [
            {
                "id": p.contact.pk,
                "full_name": "Contact Porta",
                "job_title": "",
                "buying_role": "decision_maker",
                "email": "contact@porta-client.example",
                "phone": "",
                "is_primary": True,
            }
        ],
    }


def test_a_client_that_does_not_exist_is_404(world):
    response = signed_in(world.porta.ae).get("/api/v1/o/porta/clients/999999/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- Writing through the services ------------------------------------------------------------------


def test_an_account_executive_adds_a_client_with_what_it_values(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.ae),
        "post",
        "/api/v1/o/porta/clients/",
        {
            "legal_name": "  Fusteria Gràcia SL ",
            "trade_name": "Fusteria Gràcia",
            "tax_id": "es-12345678z",
            "country": "ES",
            "sector": "construction",
            "size_band": "micro",
            "city": "Barcelona",
            "website": "https://fusteria.example",
            "status": "prospect",
            "weight_price": 40,
            "weight_time_to_market": 10,
            "weight_delivery_time": 20,
            "weight_quality": 30,
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert _without_times(body) == {
        "id": body["id"],
        "legal_name": "Fusteria Gràcia SL",
        "trade_name": "Fusteria Gràcia",
        "display_name": "Fusteria Gràcia",
        "tax_id": "12345678Z",
        "country": "ES",
        "sector": "construction",
        "size_band": "micro",
        "city": "Barcelona",
        "website": "https://fusteria.example",
        "status": "prospect",
        "notes": "",
        "weight_price": 40,
        "weight_time_to_market": 10,
        "weight_delivery_time": 20,
        "weight_quality": 30,
        "contacts": [],
    }
    with in_scope(p.org):
        event = AuditEvent.objects.get(object_type="clients.client", object_id=body["id"])
        assert (event.action, event.actor_id, event.changes["tax_id"]) == (
            "client.create",
            p.ae.user.pk,
            [None, "12345678Z"],
        )


def test_a_patch_changes_only_the_fields_sent(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.lead),
        "patch",
        f"/api/v1/o/porta/clients/{p.client.pk}/",
        {"city": "Tarragona", "weight_price": 70, "weight_quality": 5, "weight_delivery_time": 0},
    )
    assert response.status_code == 200
    assert _without_times(response.json()) == _client_body(p.client) | {
        "city": "Tarragona",
        "weight_price": 70,
        "weight_time_to_market": 25,
        "weight_delivery_time": 0,
        "weight_quality": 5,
        "contacts": [
            {
                "id": p.contact.pk,
                "full_name": "Contact Porta",
                "job_title": "",
                "buying_role": "decision_maker",
                "email": "contact@porta-client.example",
                "phone": "",
                "is_primary": True,
            }
        ],
    }
    with in_scope(p.org):
        event = AuditEvent.objects.filter(
            object_type="clients.client", object_id=p.client.pk, action="client.update"
        ).get()
        assert event.changes == {
            "city": ["Lleida", "Tarragona"],
            "weight_price": [25, 70],
            "weight_delivery_time": [25, 0],
            "weight_quality": [25, 5],
        }


def test_finance_reads_clients_but_may_not_add_or_change_them_and_nothing_changes(world):
    p = world.porta
    browser = signed_in(p.finance)
    before = snapshot()
    created = send_json(browser, "post", "/api/v1/o/porta/clients/", {"legal_name": "New SL", "tax_id": "12345678Z"})
    changed = send_json(browser, "patch", f"/api/v1/o/porta/clients/{p.client.pk}/", {"city": "Reus"})
    contact = send_json(browser, "post", "/api/v1/o/porta/contacts/", {"client": p.client.pk, "full_name": "Someone"})
    contact_changed = send_json(
        browser, "patch", f"/api/v1/o/porta/contacts/{p.contact.pk}/", {"phone": "+34 600 000 000"}
    )
    assert [(r.status_code, r.json()) for r in (created, changed, contact, contact_changed)] == [
        (403, FINANCE_REFUSED)
    ] * 4
    assert snapshot() == before


def _invalid(message: str, fields: dict) -> dict:
    return {"error": {"code": "invalid", "message": message, "fields": fields}}


VALID_CLIENT = {"legal_name": "Fusteria Gràcia SL", "tax_id": "12345678Z", "country": "ES"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            json.dumps(VALID_CLIENT | {"tax_id": "B12345678"}),
            _invalid("This is not a valid Spanish NIF or CIF.", {"tax_id": "This is not a valid Spanish NIF or CIF."}),
        ),
        (
            json.dumps(VALID_CLIENT | {"country": "FR", "tax_id": "123"}),
            _invalid(
                "This is not a valid VAT number for the chosen country.",
                {"tax_id": "This is not a valid VAT number for the chosen country."},
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"tax_id": "B12345674"}),
            _invalid(
                "A client with this tax id already exists.", {"tax_id": "A client with this tax id already exists."}
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"weight_price": 40, "weight_quality": 20}),
            _invalid(
                "The four weights must add up to 100 (they add up to 110).",
                {"weights": "The four weights must add up to 100 (they add up to 110)."},
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"weight_price": -10, "weight_quality": 60}),
            _invalid(
                "Each weight is a whole number from 0 to 100.",
                {"weights": "Each weight is a whole number from 0 to 100."},
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"website": "ftp://fusteria.example"}),
            _invalid(
                "Enter a full web address, like https://example.com.",
                {"website": "Enter a full web address, like https://example.com."},
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"legal_name": "X" * 201}),
            _invalid(
                "Invalid input: Ensure this field has no more than 200 characters.",
                {"legal_name": "Ensure this field has no more than 200 characters."},
            ),
        ),
        (
            json.dumps(VALID_CLIENT | {"legal_name": "   "}),
            _invalid("Invalid input: This field may not be blank.", {"legal_name": "This field may not be blank."}),
        ),
        (
            json.dumps(VALID_CLIENT | {"country": "XX"}),
            _invalid('Invalid input: "XX" is not a valid choice.', {"country": '"XX" is not a valid choice.'}),
        ),
        (
            json.dumps(VALID_CLIENT | {"weight_price": "lots"}),
            _invalid("Invalid input: A valid integer is required.", {"weight_price": "A valid integer is required."}),
        ),
        (
            json.dumps(VALID_CLIENT | {"is_vip": True, "search_text": "x"}),
            _invalid("Invalid input: Unknown field.", {"is_vip": "Unknown field.", "search_text": "Unknown field."}),
        ),
        (
            json.dumps({"legal_name": "Fusteria Gràcia SL"}),
            _invalid("Invalid input: This field is required.", {"tax_id": "This field is required."}),
        ),
        (
            '{"legal_name": "Fusteria"',
            {
                "error": {
                    "code": "malformed_request",
                    "message": "The request body could not be parsed: JSON parse error - Expecting ',' delimiter: line 1 column 26 (char 25)",
                    "fields": {},
                }
            },
        ),
    ],
)
def test_bad_client_input_gets_a_clear_error_and_writes_nothing(world, raw, expected):
    browser = signed_in(world.porta.ae)
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/clients/", raw=raw)
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


def test_a_patch_that_breaks_the_weights_changes_nothing(world):
    p = world.porta
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(browser, "patch", f"/api/v1/o/porta/clients/{p.client.pk}/", {"weight_price": 30})
    assert (response.status_code, response.json()) == (
        400,
        _invalid(
            "The four weights must add up to 100 (they add up to 105).",
            {"weights": "The four weights must add up to 100 (they add up to 105)."},
        ),
    )
    assert snapshot() == before


def test_another_organisations_client_cannot_be_read_changed_or_given_a_contact(world):
    p, n = world.porta, world.nordwind
    browser = signed_in(p.admin)
    before = snapshot()
    read = browser.get(f"/api/v1/o/porta/clients/{n.client.pk}/")
    changed = send_json(browser, "patch", f"/api/v1/o/porta/clients/{n.client.pk}/", {"city": "Reus"})
    contact = send_json(browser, "post", "/api/v1/o/porta/contacts/", {"client": n.client.pk, "full_name": "Spy"})
    assert [(r.status_code, r.json()) for r in (read, changed)] == [(404, NOT_FOUND)] * 2
    # the client's id is parsed against this organisation's clients, like every other input
    assert (contact.status_code, contact.json()) == (
        400,
        _invalid(
            "Invalid input: Choose a client of this organisation.", {"client": "Choose a client of this organisation."}
        ),
    )
    assert snapshot() == before


# --- Filters and pages --------------------------------------------------------------------------


def test_the_client_list_filters_like_the_page(world):
    p = world.porta
    prospect = add_client(p, 1, status="prospect", city="Vic")
    former = add_client(p, 2, status="former", sector="food")
    browser = signed_in(p.ae)
    assert _ids(browser.get("/api/v1/o/porta/clients/?status=prospect")) == [prospect.pk]
    assert _ids(browser.get("/api/v1/o/porta/clients/?status=active")) == [p.client.pk]
    assert _ids(browser.get("/api/v1/o/porta/clients/?sector=food")) == [former.pk]
    assert _ids(browser.get("/api/v1/o/porta/clients/?q=vic")) == [prospect.pk]
    assert _ids(browser.get("/api/v1/o/porta/clients/?q=client+sl&sort=name")) == [former.pk, prospect.pk, p.client.pk]


def test_an_invalid_filter_value_is_a_400_naming_the_parameter(world):
    response = signed_in(world.porta.ae).get("/api/v1/o/porta/clients/?status=bankrupt")
    assert (response.status_code, response.json()) == (
        400,
        _invalid(
            "Invalid input: Select a valid choice. bankrupt is not one of the available choices.",
            {"status": "Select a valid choice. bankrupt is not one of the available choices."},
        ),
    )


def test_the_client_list_pages_with_a_cursor_newest_first_without_duplicates(world):
    p = world.porta
    added = [add_client(p, n) for n in range(6)]
    browser = signed_in(p.ae)
    url, pages = "/api/v1/o/porta/clients/?page_size=3", []
    while url:
        body = browser.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    assert pages == [[c.pk for c in reversed(added)][:3], [c.pk for c in reversed(added)][3:], [p.client.pk]]
    assert body["previous"] is not None


def test_a_forged_cursor_is_a_404_in_the_error_shape(world):
    response = signed_in(world.porta.ae).get("/api/v1/o/porta/clients/?cursor=not-a-cursor")
    assert (response.status_code, response.json()) == (
        404,
        {"error": {"code": "not_found", "message": "Invalid cursor", "fields": {}}},
    )


# user, organisation, savepoint, tenant setting, membership, rows, setting reset, release
CLIENT_LIST_QUERIES = 8


def test_the_client_list_takes_the_same_queries_with_1_and_with_50_clients(world, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.ae)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        one = browser.get("/api/v1/o/porta/clients/")
    for n in range(49):
        add_client(p, n, contacts=2)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        many = browser.get("/api/v1/o/porta/clients/?page_size=200")
    assert (len(_ids(one)), len(_ids(many))) == (1, 50)


# --- Contacts -----------------------------------------------------------------------------------


def _contact_body(contact: Contact, client: Client, **changes) -> dict:
    return {
        "id": contact.pk,
        "client": {"id": client.pk, "name": client.display_name},
        "full_name": contact.full_name,
        "job_title": contact.job_title,
        "buying_role": contact.buying_role,
        "email": contact.email,
        "phone": contact.phone,
        "language": contact.language,
        "is_primary": contact.is_primary,
    } | changes


def test_contacts_are_listed_for_every_member_and_filtered_by_client(world):
    p = world.porta
    other = add_client(p, 1, contacts=2)
    browser = signed_in(p.finance)
    everyone = browser.get("/api/v1/o/porta/contacts/").json()["results"]
    with transaction.atomic(), tenant_scope(p.org):
        other_contacts = list(Contact.objects.filter(client=other).order_by("-id"))
    assert [_without_times(row) for row in everyone] == [_contact_body(c, other) for c in other_contacts] + [
        _contact_body(p.contact, p.client)
    ]
    assert _ids(browser.get(f"/api/v1/o/porta/contacts/?client={p.client.pk}")) == [p.contact.pk]
    assert _ids(browser.get("/api/v1/o/porta/contacts/?is_primary=true&q=person")) == [other_contacts[-1].pk]
    assert _ids(browser.get("/api/v1/o/porta/contacts/?buying_role=decision_maker")) == [p.contact.pk]


def test_an_account_executive_adds_a_primary_contact_and_the_old_one_steps_down(world):
    p = world.porta
    browser = signed_in(p.ae)
    response = send_json(
        browser,
        "post",
        "/api/v1/o/porta/contacts/",
        {
            "client": p.client.pk,
            "full_name": "Marta Puig",
            "job_title": "CFO",
            "buying_role": "finance",
            "email": "Marta@Client.example",
            "language": "ca",
            "is_primary": True,
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert _without_times(body) == {
        "id": body["id"],
        "client": {"id": p.client.pk, "name": "Porta Client"},
        "full_name": "Marta Puig",
        "job_title": "CFO",
        "buying_role": "finance",
        "email": "marta@client.example",
        "phone": "",
        "language": "ca",
        "is_primary": True,
    }
    assert browser.get(f"/api/v1/o/porta/contacts/{p.contact.pk}/").json()["is_primary"] is False


def test_a_contact_patch_changes_only_the_fields_sent(world):
    p = world.porta
    response = send_json(
        signed_in(p.lead), "patch", f"/api/v1/o/porta/contacts/{p.contact.pk}/", {"phone": " +34 973 000 000 "}
    )
    assert (response.status_code, _without_times(response.json())) == (
        200,
        _contact_body(p.contact, p.client, phone="+34 973 000 000"),
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"full_name": "X" * 151},
            _invalid(
                "Invalid input: Ensure this field has no more than 150 characters.",
                {"full_name": "Ensure this field has no more than 150 characters."},
            ),
        ),
        (
            {"email": "not-an-email"},
            _invalid("Invalid input: Enter a valid email address.", {"email": "Enter a valid email address."}),
        ),
        (
            {"buying_role": "boss"},
            _invalid('Invalid input: "boss" is not a valid choice.', {"buying_role": '"boss" is not a valid choice.'}),
        ),
        ({"client": 1}, _invalid("Invalid input: Unknown field.", {"client": "Unknown field."})),
    ],
)
def test_bad_contact_input_gets_a_clear_error_and_writes_nothing(world, body, expected):
    p = world.porta
    browser = signed_in(p.ae)
    before = snapshot()
    response = send_json(browser, "patch", f"/api/v1/o/porta/contacts/{p.contact.pk}/", body)
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


def test_the_contact_list_takes_the_same_queries_with_1_and_with_50_contacts(world, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.ae)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        one = browser.get("/api/v1/o/porta/contacts/")
    add_client(p, 1, contacts=49)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        many = browser.get("/api/v1/o/porta/contacts/?page_size=200")
    assert (len(_ids(one)), len(_ids(many))) == (1, 50)


def test_a_rule_of_the_model_reads_the_same_on_the_page_and_in_the_api(world):
    # given the same wrong phone, typed in the contact's row and sent to the API
    p = world.porta
    browser = signed_in(p.ae)
    key = f"c{p.contact.pk}"
    message = "Enter a phone number: digits, spaces and + ( ) - . only."
    before = snapshot()
    # when
    page = browser.post(
        f"/o/porta/contacts/{p.contact.pk}/",
        {f"{key}-full_name": "Contact Porta", f"{key}-phone": "call me", f"{key}-language": "es"},
        HTTP_HX_REQUEST="true",
    )
    api = send_json(browser, "patch", f"/api/v1/o/porta/contacts/{p.contact.pk}/", {"phone": "call me"})
    # then both refuse it on the phone, in the model's words, and change nothing
    html = page.content.decode()
    feedback = html[html.index(f'id="id_{key}-phone"') : html.index("<label", html.index(f'id="id_{key}-phone"'))]
    assert (page.status_code, message in feedback, html.count(message)) == (400, True, 1)
    assert (api.status_code, api.json()) == (400, _invalid(message, {"phone": message}))
    assert snapshot() == before
