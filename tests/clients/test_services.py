from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from clients import services
from clients.models import Client, Contact
from config.errors import ApplicationError, refusal_messages
from tenancy.models import AuditEvent
from tests.tenancy.isolation import snapshot

CLIENT_DEFAULTS = {"legal_name": "Fàbrica L'Àvia SL", "tax_id": "12345678Z", "country": "ES"}


def _create_client(world, in_scope, org="porta", actor="admin", **fields):
    tenant = getattr(world, org)
    with in_scope(tenant.org):
        return services.client_create(
            organization=tenant.org, actor=getattr(tenant, actor), **(CLIENT_DEFAULTS | fields)
        )


def _refusal(world, in_scope, call):
    """Run a service call that must be refused; return the refusal as people get it (its
    sentence, its fields, and the status and code the API answers with) and whether nothing
    changed. A rule of the model refuses with full_clean()'s ValidationError, a permission with
    an ApplicationError: both reach people the same way (config.errors.refusal_messages)."""
    before = snapshot()
    with pytest.raises((ApplicationError, ValidationError)) as raised, in_scope(world.porta.org):
        call()
    message, fields = refusal_messages(raised.value)
    refusal = SimpleNamespace(
        message=message,
        extra=fields,
        status=getattr(raised.value, "status", 400),
        code=getattr(raised.value, "code", None) or "invalid",
    )
    return refusal, snapshot() == before


# --- tax ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("12345678Z", "12345678Z"),
        ("ES12345678Z", "12345678Z"),
        ("es 12345678-z", "12345678Z"),
        ("X1234567L", "X1234567L"),
        ("ESX1234567L", "X1234567L"),
        ("A58818501", "A58818501"),
        (" ES-A58818501 ", "A58818501"),
    ],
)
def test_a_spanish_nif_nie_or_cif_is_stored_compact_with_or_without_the_es_prefix(world, in_scope, entered, stored):
    # when
    client = _create_client(world, in_scope, tax_id=entered)
    # then
    with in_scope(world.porta.org):
        assert Client.objects.get(pk=client.pk).tax_id == stored


@pytest.mark.parametrize(
    ("legal_name", "country", "entered", "message"),
    [
        pytest.param("Nou SL", "ES", "12345678A", "This is not a valid Spanish NIF or CIF.", id="invalid Spanish NIF"),
        *(
            pytest.param(
                "Nou SL",
                country,
                entered,
                "This is not a valid VAT number for the chosen country.",
                id=f"invalid {country} VAT",
            )
            for country, entered in [("FR", "FR40303265046"), ("DE", "DE136695978"), ("PT", "501964842")]
        ),
        pytest.param(
            "Acme Inc", "US", "1-2", "A tax id has between 4 and 20 letters and digits.", id="outside the EU, too short"
        ),
        pytest.param(
            "Copy SL",
            "ES",
            "ES-B12345674",
            "A client with this tax id already exists.",
            id="already in the organisation, however it is written",
        ),
    ],
)
def test_an_invalid_or_repeated_tax_id_is_refused_and_nothing_is_written(
    world, in_scope, legal_name, country, entered, message
):
    # given porta's client has B12345674
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(
            organization=p.org, actor=p.admin, legal_name=legal_name, tax_id=entered, country=country
        ),
    )
    # then
    assert (error.message, error.extra) == (message, {"tax_id": message})
    assert unchanged


@pytest.mark.parametrize(
    ("country", "entered", "stored"),
    [
        ("FR", "FR40303265045", "FR40303265045"),
        ("FR", "403 032 650 45", "FR40303265045"),
        ("DE", "DE136695976", "DE136695976"),
        ("DE", "136695976", "DE136695976"),
        ("PT", "PT 501 964 843", "PT501964843"),
    ],
)
def test_an_eu_vat_number_is_stored_compact_with_its_country_prefix(world, in_scope, country, entered, stored):
    # when
    client = _create_client(world, in_scope, country=country, tax_id=entered)
    # then
    with in_scope(world.porta.org):
        assert Client.objects.values_list("country", "tax_id").get(pk=client.pk) == (country, stored)


def test_a_tax_id_outside_the_eu_without_known_rules_keeps_its_letters_and_digits(world, in_scope):
    # when
    client = _create_client(world, in_scope, country="US", tax_id="12-3456789")
    # then
    with in_scope(world.porta.org):
        assert Client.objects.values_list("country", "tax_id").get(pk=client.pk) == ("US", "123456789")


def test_the_same_tax_id_is_allowed_in_another_organisation(world, in_scope):
    # given porta's client has B12345674
    # when
    client = _create_client(world, in_scope, org="nordwind", legal_name="Porta's twin SL", tax_id="B12345674")
    # then
    with in_scope(world.nordwind.org):
        assert sorted(Client.objects.values_list("tax_id", flat=True)) == ["A58818501", "B12345674"]
    assert client.organization == world.nordwind.org


# --- what the client values ------------------------------------------------------------------------


def test_the_four_weights_must_add_up_to_100(world, in_scope):
    # given
    p = world.porta
    weights = {"weight_price": 40, "weight_time_to_market": 30, "weight_delivery_time": 20, "weight_quality": 20}
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(
            organization=p.org, actor=p.admin, legal_name="Nou SL", tax_id="12345678Z", **weights
        ),
    )
    # then
    message = "The four weights must add up to 100 (they add up to 110)."
    assert (error.message, error.extra) == (message, {"weights": message})
    assert unchanged


def test_changing_one_weight_is_checked_against_the_other_three(world, in_scope):
    # given porta's client has 25 on each weight
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_update(organization=p.org, actor=p.admin, client=p.client, weight_price=50),
    )
    # then
    assert error.extra == {"weights": "The four weights must add up to 100 (they add up to 125)."}
    assert unchanged


@pytest.mark.parametrize(
    "weights",
    [
        {"weight_price": 101, "weight_time_to_market": 0, "weight_delivery_time": 0, "weight_quality": 0},
        {"weight_price": -25, "weight_time_to_market": 75, "weight_delivery_time": 25, "weight_quality": 25},
        {"weight_price": None, "weight_time_to_market": 25, "weight_delivery_time": 25, "weight_quality": 25},
    ],
)
def test_each_weight_is_a_whole_number_from_0_to_100(world, in_scope, weights):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(
            organization=p.org, actor=p.admin, legal_name="Nou SL", tax_id="12345678Z", **weights
        ),
    )
    # then
    message = "Each weight is a whole number from 0 to 100."
    assert (error.message, error.extra) == (message, {"weights": message})
    assert unchanged


def test_a_client_may_value_only_one_thing(world, in_scope):
    # when
    client = _create_client(
        world, in_scope, weight_price=0, weight_time_to_market=0, weight_delivery_time=0, weight_quality=100
    )
    # then
    assert client.value_drivers[0] == ("weight_quality", "Quality", 100)


# --- other fields -------------------------------------------------------------------------------


def test_an_unknown_country_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(
            organization=p.org, actor=p.admin, legal_name="Nou SL", tax_id="12345678Z", country="XX"
        ),
    )
    # then
    assert (error.message, error.extra) == (
        "Choose a country from the list.",
        {"country": "Choose a country from the list."},
    )
    assert unchanged


def test_an_overlong_legal_name_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(organization=p.org, actor=p.admin, legal_name="x" * 201, tax_id="12345678Z"),
    )
    # then (one field refused: its sentence is the refusal's, as for every other field)
    assert (error.message, error.extra) == (
        "At most 200 characters (this has 201).",
        {"legal_name": "At most 200 characters (this has 201)."},
    )
    assert unchanged


def test_a_legal_name_of_exactly_200_characters_is_kept(world, in_scope):
    # when
    client = _create_client(world, in_scope, legal_name="x" * 200)
    # then
    with in_scope(world.porta.org):
        assert len(Client.objects.get(pk=client.pk).legal_name) == 200


def test_an_empty_legal_name_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(organization=p.org, actor=p.admin, legal_name="   ", tax_id="12345678Z"),
    )
    # then
    assert (error.message, error.extra) == ("This field is required.", {"legal_name": "This field is required."})
    assert unchanged


def test_an_unknown_field_is_refused(world, in_scope):
    # given
    p = world.porta
    before = snapshot()
    # when
    with pytest.raises(TypeError) as error, in_scope(p.org):
        services.client_create(
            organization=p.org,
            actor=p.admin,
            legal_name="Nou SL",
            tax_id="12345678Z",
            organization_id=world.nordwind.org.pk,
        )
    # then
    assert "unexpected keyword argument 'organization_id'" in str(error.value)
    assert snapshot() == before


# --- who may change clients ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda p: services.client_create(
                organization=p.org, actor=p.finance, legal_name="Nou SL", tax_id="12345678Z"
            ),
            id="create a client",
        ),
        pytest.param(
            lambda p: services.client_update(organization=p.org, actor=p.finance, client=p.client, city="Girona"),
            id="edit a client",
        ),
        pytest.param(
            lambda p: services.contact_create(
                organization=p.org, actor=p.finance, client=p.client, full_name="Anna Puig"
            ),
            id="add a contact",
        ),
    ],
)
def test_finance_may_not_change_the_directory(world, in_scope, change):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(world, in_scope, lambda: change(p))
    # then
    assert (error.status, error.code, error.message) == (
        403,
        "permission_denied",
        "Your role may read clients but not change them.",
    )
    assert unchanged


@pytest.mark.parametrize("phone", ["abc", "+34", "12 34", "973 12 34 56 ext. 2", "+34 973 <b>"])
def test_a_contact_phone_must_be_a_phone_number(world, in_scope, phone):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.contact_create(
            organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig", phone=phone
        ),
    )
    # then
    assert (error.status, error.extra) == (400, {"phone": "Enter a phone number: digits, spaces and + ( ) - . only."})
    assert unchanged


@pytest.mark.parametrize(
    "phone", ["+34 973 12 34 56", "(93) 123-45-67", "973.123.456", "+34 600 11 22 33", " 973123456 "]
)
def test_a_contact_phone_is_written_as_people_write_it(world, in_scope, phone):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        contact = services.contact_create(
            organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig", phone=phone
        )
    # then
    assert contact.phone == phone.strip()


def test_an_account_executive_may_edit_a_client(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.client_update(organization=p.org, actor=p.ae, client=p.client, city="Girona")
        city = Client.objects.get(pk=p.client.pk).city
    # then
    assert city == "Girona"


# --- audit and search text ---------------------------------------------------------------------


def test_creating_a_client_is_audited_with_every_field_from_nothing(world, in_scope):
    # given
    p = world.porta
    # when
    client = _create_client(
        world,
        in_scope,
        actor="lead",
        trade_name="L'Àvia",
        city="Sants-Montjuïc",
        sector="food",
        website="https://lavia.example",
    )
    # then
    with in_scope(p.org):
        event = AuditEvent.objects.get(action="client.create", object_id=client.pk)
    assert (event.actor, event.object_type) == (p.lead.user, "clients.client")
    assert event.changes == {
        "legal_name": [None, "Fàbrica L'Àvia SL"],
        "trade_name": [None, "L'Àvia"],
        "tax_id": [None, "12345678Z"],
        "country": [None, "ES"],
        "sector": [None, "food"],
        "size_band": [None, "small"],
        "city": [None, "Sants-Montjuïc"],
        "website": [None, "https://lavia.example"],
        "status": [None, "prospect"],
        "notes": [None, ""],
        "weight_price": [None, 25],
        "weight_time_to_market": [None, 25],
        "weight_delivery_time": [None, 25],
        "weight_quality": [None, 25],
    }


def test_updating_a_client_audits_exactly_what_changed_from_what(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.client_update(
            organization=p.org,
            actor=p.ae,
            client=p.client,
            legal_name=" Porta Digital Client SA ",
            city="Lleida",
            weight_price=40,
            weight_quality=10,
        )
        events = list(
            AuditEvent.objects.filter(action="client.update", object_id=p.client.pk).values_list("actor", "changes")
        )
    # then the unchanged city is not in the trail
    assert events == [
        (
            p.ae.user.pk,
            {
                "legal_name": ["Porta Digital Client SL", "Porta Digital Client SA"],
                "weight_price": [25, 40],
                "weight_quality": [25, 10],
            },
        )
    ]


def test_an_update_that_changes_nothing_writes_no_audit_row(world, in_scope):
    # given
    p = world.porta
    with in_scope(p.org):
        before = AuditEvent.objects.count()
    # when
    with in_scope(p.org):
        services.client_update(organization=p.org, actor=p.admin, client=p.client, city="Lleida", tax_id="ESB12345674")
        after = AuditEvent.objects.count()
    # then
    assert after == before


def test_the_search_text_ignores_case_accents_and_punctuation(world, in_scope):
    # when
    client = _create_client(world, in_scope, trade_name="L'Àvia", city="Sants-Montjuïc")
    # then
    with in_scope(world.porta.org):
        assert Client.objects.get(pk=client.pk).search_text == "fabrica l avia sl l avia sants montjuic 12345678z"


def test_the_search_text_follows_an_update(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        services.client_update(organization=p.org, actor=p.admin, client=p.client, city="Sants-Montjuïc")
        search_text = Client.objects.get(pk=p.client.pk).search_text
    # then
    assert search_text == "porta digital client sl porta client sants montjuic b12345674"


# --- contacts --------------------------------------------------------------------------------------


def test_the_first_contact_of_a_client_becomes_primary_and_the_next_does_not(world, in_scope):
    # given
    client = _create_client(world, in_scope)
    p = world.porta
    # when
    with in_scope(p.org):
        first = services.contact_create(
            organization=p.org, actor=p.ae, client=client, full_name="Anna Puig", is_primary=False
        )
        second = services.contact_create(organization=p.org, actor=p.ae, client=client, full_name="Biel Roca")
        rows = list(Contact.objects.filter(client=client).values_list("full_name", "is_primary"))
    # then
    assert (first.is_primary, second.is_primary) == (True, False)
    assert rows == [("Anna Puig", True), ("Biel Roca", False)]


def test_a_new_primary_contact_unsets_the_previous_one(world, in_scope):
    # given porta's contact is the client's primary
    p = world.porta
    # when
    with in_scope(p.org):
        services.contact_create(organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig", is_primary=True)
        rows = list(Contact.objects.filter(client=p.client).values_list("full_name", "is_primary"))
    # then
    assert rows == [("Anna Puig", True), ("Contact Porta", False)]


def test_making_a_contact_primary_on_update_unsets_the_other(world, in_scope):
    # given a second contact that is not primary
    p = world.porta
    with in_scope(p.org):
        anna = services.contact_create(organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig")
    # when
    with in_scope(p.org):
        services.contact_update(organization=p.org, actor=p.ae, contact=anna, is_primary=True)
        rows = list(Contact.objects.filter(client=p.client).values_list("full_name", "is_primary"))
        event = AuditEvent.objects.get(action="contact.update", object_id=anna.pk)
    # then
    assert rows == [("Anna Puig", True), ("Contact Porta", False)]
    assert event.changes == {"is_primary": [False, True]}


def test_a_primary_contact_elsewhere_is_not_touched(world, in_scope):
    # given another client with its own primary contact
    p = world.porta
    client = _create_client(world, in_scope)
    with in_scope(p.org):
        other = services.contact_create(organization=p.org, actor=p.ae, client=client, full_name="Anna Puig")
    # when
    with in_scope(p.org):
        services.contact_create(organization=p.org, actor=p.ae, client=p.client, full_name="Biel Roca", is_primary=True)
        still_primary = Contact.objects.get(pk=other.pk).is_primary
    # then
    assert still_primary is True


def test_a_contact_with_an_invalid_email_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.contact_create(
            organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig", email="anna@"
        ),
    )
    # then
    assert (error.message, error.extra) == ("Enter a valid email address.", {"email": "Enter a valid email address."})
    assert unchanged


def test_changing_a_contact_to_an_invalid_email_is_refused(world, in_scope):
    # given
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.contact_update(organization=p.org, actor=p.ae, contact=p.contact, email="not an email"),
    )
    # then
    assert error.extra == {"email": "Enter a valid email address."}
    assert unchanged


def test_a_contact_email_is_stored_in_lower_case_and_found_by_search_text(world, in_scope):
    # given
    p = world.porta
    # when
    with in_scope(p.org):
        contact = services.contact_create(
            organization=p.org,
            actor=p.ae,
            client=p.client,
            full_name="Àngels Ribó",
            email="Angels.Ribo@Example.COM",
            job_title="CFO",
        )
        stored = Contact.objects.values_list("email", "search_text").get(pk=contact.pk)
    # then
    assert stored == ("angels.ribo@example.com", "angels ribo angels.ribo@example.com cfo")


# --- the constraint decides ------------------------------------------------------------------------


def test_a_tax_id_written_in_lower_case_is_the_same_tax_id(world, in_scope):
    # given porta's client has B12345674
    p = world.porta
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(organization=p.org, actor=p.ae, legal_name="Copy SL", tax_id="es b12345674"),
    )
    # then
    message = "A client with this tax id already exists."
    assert (error.message, error.extra) == (message, {"tax_id": message})
    assert unchanged


def _first_check_misses_the_concurrent_row(monkeypatch, model) -> list:
    """As when two requests check at once: the first full_clean() of `model` does not see the
    row the other request saves, so only the database's constraint can refuse. Returns the
    rows checked, in order."""
    checked = []
    full_clean = model.full_clean

    def full_clean_before_the_other_saved(instance, *args, **kwargs):
        checked.append(str(instance))
        if len(checked) == 1:
            kwargs["validate_constraints"] = False
        return full_clean(instance, *args, **kwargs)

    monkeypatch.setattr(model, "full_clean", full_clean_before_the_other_saved)
    return checked


def test_a_tax_id_a_concurrent_request_saved_first_is_refused_with_the_constraints_message(
    world, in_scope, monkeypatch
):
    # given another request saved B12345674 (porta's client) after this one checked
    p = world.porta
    checked = _first_check_misses_the_concurrent_row(monkeypatch, Client)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.client_create(organization=p.org, actor=p.ae, legal_name="Copy SL", tax_id="ESB12345674"),
    )
    # then the unique constraint refused it, in its own words, on the tax id
    message = "A client with this tax id already exists."
    assert (error.status, error.message, error.extra) == (400, message, {"tax_id": message})
    assert checked == ["Copy SL", "Copy SL"]
    assert unchanged


def test_a_second_primary_contact_a_concurrent_request_made_is_refused_with_the_constraints_message(
    world, in_scope, monkeypatch
):
    # given a second contact, and another request that made the first one primary again after
    # this one stepped it down (modelled by not stepping it down)
    p = world.porta
    with in_scope(p.org):
        anna = services.contact_create(organization=p.org, actor=p.ae, client=p.client, full_name="Anna Puig")
    monkeypatch.setattr(services, "_make_primary", lambda organization, contact: None)
    checked = _first_check_misses_the_concurrent_row(monkeypatch, Contact)
    # when
    error, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.contact_update(organization=p.org, actor=p.ae, contact=anna, is_primary=True),
    )
    # then
    assert (error.status, error.message, error.extra) == (400, "A client has one primary contact.", {})
    assert checked == ["Anna Puig", "Anna Puig"]
    assert unchanged
