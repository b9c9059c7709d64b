"""Every rule one client or contact can state is the model's: full_clean() says it, whoever
saves the row (the services, the admin, a script)."""

from django.core.exceptions import ValidationError

from clients.models import Client, Contact


def _refusal(instance) -> dict:
    try:
        instance.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_a_client_is_checked_field_by_field_and_as_a_whole(world, in_scope):
    # given a client with several mistakes
    p = world.porta
    client = Client(
        organization=p.org,
        legal_name="  ",
        tax_id="12345678A",
        country="ES",
        website="ftp://files.example",
        sector="mining",
        weight_price=40,
    )
    # when
    with in_scope(p.org):
        refusal = _refusal(client)
    # then each shows where it is corrected; the weights' sum, with what they add up to
    assert refusal == {
        "legal_name": ["This field is required."],
        "website": ["Enter a full web address, like https://example.com."],
        "sector": ["Choose a value from the list."],
        "tax_id": ["This is not a valid Spanish NIF or CIF."],
        "weights": ["The four weights must add up to 100 (they add up to 115)."],
    }


def test_full_clean_stores_what_people_typed_without_spaces_and_the_tax_id_compact(world, in_scope):
    # given
    p = world.porta
    client = Client(organization=p.org, legal_name=" Nou SL ", tax_id=" es-12345678z ", city=" Reus ")
    contact = Contact(
        organization=p.org, client=p.client, full_name=" Anna ", email=" Anna@Example.COM ", phone=" 973 12 34 56 "
    )
    # when
    with in_scope(p.org):
        client.full_clean()
        contact.full_clean()
    # then
    assert (client.legal_name, client.tax_id, client.city) == ("Nou SL", "12345678Z", "Reus")
    assert (contact.full_name, contact.email, contact.phone) == ("Anna", "anna@example.com", "973 12 34 56")


def test_a_weight_out_of_range_is_the_weights_refusal_and_their_sum_is_not_checked_then(world, in_scope):
    # given
    p = world.porta
    client = Client(organization=p.org, legal_name="Nou SL", tax_id="12345678Z", weight_price=101)
    # when
    with in_scope(p.org):
        refusal = _refusal(client)
    # then
    assert refusal == {"weights": ["Each weight is a whole number from 0 to 100."]}


def test_overlong_notes_are_refused_though_a_text_field_does_not_check_its_length_itself(world, in_scope):
    p = world.porta
    client = Client(organization=p.org, legal_name="Nou SL", tax_id="12345678Z", notes="x" * 5001)
    with in_scope(p.org):
        refusal = _refusal(client)
    assert refusal == {"notes": ["At most 5000 characters (this has 5001)."]}
