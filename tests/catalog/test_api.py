"""The catalogue's API: every member reads products (with their prices), tax rates and
categories; admins and finance change them (403 for the others, nothing written); bad input
in the one error shape, nothing written; another organisation's rows are not found."""

import pytest

from catalog.models import Product, ProductPrice
from tenancy.models import AuditEvent
from tests.factories import send_json, signed_in
from tests.tenancy.isolation import snapshot, tax_rates_of

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
FORBIDDEN = {
    "error": {"code": "permission_denied", "message": "Only admins and finance may change the catalogue.", "fields": {}}
}


def _signed_in(membership):
    """A browser signed in, and having made a request (signing in writes the last login): what
    follows must write nothing more."""
    browser = signed_in(membership)
    browser.get("/api/v1/o/porta/me/")
    return browser


def _without_times(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("created_at", "updated_at")}


def _product_body(p) -> dict:
    return {
        "id": p.product.pk,
        "sku": "PORTA-001",
        "name": "Sensor kit",
        "description": "",
        "kind": "product",
        "category": {"id": p.category.pk, "name": "Hardware"},
        "unit": "unit",
        "tax_rate": {"id": p.vat21.pk, "name": "VAT 21%", "rate": "21.00", "is_exempt": False},
        "status": "active",
        "obsolete_on": None,
        "replaced_by": None,
        "prices": [{"currency": "EUR", "list_price": "120.00", "unit_cost": "70.00"}],
    }


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "ae", "finance"])
def test_every_member_lists_the_products_with_their_prices(world, role):
    p = world.porta
    response = signed_in(getattr(p, role)).get("/api/v1/o/porta/products/")
    body = response.json()
    assert (response.status_code, [row["id"] for row in body["results"]]) == (
        200,
        [p.old_product.pk, p.product2.pk, p.product.pk],
    )
    assert _without_times(body["results"][2]) == _product_body(p)
    assert _without_times(body["results"][0]) | {"tax_rate": None} == {
        "id": p.old_product.pk,
        "sku": "PORTA-000",
        "name": "Sensor kit (2019)",
        "description": "",
        "kind": "product",
        "category": {"id": p.category.pk, "name": "Hardware"},
        "unit": "unit",
        "tax_rate": None,
        "status": "obsolete",
        "obsolete_on": "2025-03-03",
        "replaced_by": {"id": p.product.pk, "sku": "PORTA-001", "name": "Sensor kit"},
        "prices": [],
    }


def test_the_list_filters_like_the_page_and_refuses_an_unknown_value(world):
    p = world.porta
    browser = signed_in(p.ae)
    assert [r["id"] for r in browser.get("/api/v1/o/porta/products/?status=active&kind=service").json()["results"]] == [
        p.product2.pk
    ]
    assert [r["id"] for r in browser.get("/api/v1/o/porta/products/?q=kit&sort=-name").json()["results"]] == [
        p.old_product.pk,
        p.product.pk,
    ]
    refused = browser.get("/api/v1/o/porta/products/?status=retired")
    assert (refused.status_code, refused.json()["error"]["fields"]) == (
        400,
        {"status": "Select a valid choice. retired is not one of the available choices."},
    )


def test_a_product_is_read_and_another_organisations_is_not_found(world):
    p = world.porta
    browser = signed_in(p.ae)
    mine = browser.get(f"/api/v1/o/porta/products/{p.product.pk}/")
    theirs = browser.get(f"/api/v1/o/porta/products/{world.nordwind.product.pk}/")
    assert (mine.status_code, _without_times(mine.json())) == (200, _product_body(p))
    assert (theirs.status_code, theirs.json()) == (404, NOT_FOUND)


def test_tax_rates_and_categories_are_listed(world):
    p = world.porta
    browser = signed_in(p.lead)
    rates = browser.get("/api/v1/o/porta/tax-rates/").json()["results"]
    categories = browser.get("/api/v1/o/porta/categories/").json()["results"]
    assert [(r["name"], r["rate"], r["is_exempt"], r["is_active"]) for r in rates] == [
        ("VAT exempt", "0.00", True, True),
        ("VAT 0%", "0.00", False, True),
        ("VAT 4%", "4.00", False, True),
        ("VAT 10%", "10.00", False, True),
        ("VAT 21%", "21.00", False, True),
    ]
    assert sorted(r["id"] for r in rates) == sorted(r.pk for r in tax_rates_of(p))
    assert categories == [{"id": p.category.pk, "name": "Hardware"}]


# --- Writing ------------------------------------------------------------------------------------


def test_finance_adds_a_product_with_its_prices(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.finance),
        "post",
        "/api/v1/o/porta/products/",
        {
            "sku": "PORTA-300",
            "name": "Gateway",
            "kind": "product",
            "category": p.category.pk,
            "tax_rate": p.vat21.pk,
            "prices": [
                {"currency": "EUR", "list_price": "250.00", "unit_cost": "140.00"},
                {"currency": "usd", "list_price": 275},
            ],
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert _without_times(body) == {
        "id": body["id"],
        "sku": "PORTA-300",
        "name": "Gateway",
        "description": "",
        "kind": "product",
        "category": {"id": p.category.pk, "name": "Hardware"},
        "unit": "unit",
        "tax_rate": {"id": p.vat21.pk, "name": "VAT 21%", "rate": "21.00", "is_exempt": False},
        "status": "active",
        "obsolete_on": None,
        "replaced_by": None,
        "prices": [
            {"currency": "EUR", "list_price": "250.00", "unit_cost": "140.00"},
            {"currency": "USD", "list_price": "275.00", "unit_cost": "0.00"},
        ],
    }


@pytest.mark.parametrize("role", ["lead", "ae"])
def test_a_reader_is_refused_every_write_and_nothing_is_written(world, role):
    p = world.porta
    browser = _signed_in(getattr(p, role))
    before = snapshot()
    answers = [
        send_json(browser, "post", "/api/v1/o/porta/products/", {"sku": "X-1", "name": "X", "tax_rate": p.vat21.pk}),
        send_json(browser, "patch", f"/api/v1/o/porta/products/{p.product.pk}/", {"name": "Mine"}),
        send_json(
            browser, "post", f"/api/v1/o/porta/products/{p.product.pk}/prices/", {"currency": "EUR", "list_price": "1"}
        ),
        send_json(
            browser, "post", f"/api/v1/o/porta/products/{p.product2.pk}/obsolete/", {"obsolete_on": "2026-01-01"}
        ),
        send_json(browser, "post", f"/api/v1/o/porta/products/{p.old_product.pk}/reactivate/"),
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(403, FORBIDDEN)] * 5
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields", "message"),
    [
        pytest.param(
            {"sku": "Porta-001"},
            {"sku": "Another product has this SKU."},
            "Another product has this SKU.",
            id="SKU taken",
        ),
        pytest.param(
            {"prices": [{"currency": "EUR", "list_price": "-1.00"}]},
            {"list_price": "It cannot be negative."},
            "It cannot be negative.",
            id="negative price",
        ),
        pytest.param(
            {"prices": [{"currency": "EUR", "list_price": "1.005"}]},
            {"prices.0.list_price": "Ensure that there are no more than 2 decimal places."},
            "Invalid input: Ensure that there are no more than 2 decimal places.",
            id="three decimals",
        ),
        pytest.param(
            {"tax_rate": "nordwind"},
            {"tax_rate": "Choose a tax rate of this organisation."},
            "Choose a tax rate of this organisation.",
            id="another organisation's tax rate",
        ),
        pytest.param(
            {"category": "nordwind"},
            {"category": "Choose a category of this organisation."},
            "Choose a category of this organisation.",
            id="another organisation's category",
        ),
        pytest.param(
            {"price": "1.00"}, {"price": "Unknown field."}, "Invalid input: Unknown field.", id="unknown field"
        ),
    ],
)
def test_a_bad_product_is_refused_in_the_error_shape_and_nothing_is_written(world, body, fields, message):
    p = world.porta
    n = world.nordwind
    body = {"sku": "PORTA-300", "name": "Gateway", "tax_rate": p.vat21.pk} | body
    body = {
        key: {"nordwind": n.vat21.pk if key == "tax_rate" else n.category.pk}.get(value, value)
        if isinstance(value, str)
        else value
        for key, value in body.items()
    }
    browser = _signed_in(p.admin)
    before = snapshot()
    response = send_json(browser, "post", "/api/v1/o/porta/products/", body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "invalid", "message": message, "fields": fields}},
    )
    assert snapshot() == before


def test_a_product_is_changed_by_what_is_sent(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.admin),
        "patch",
        f"/api/v1/o/porta/products/{p.product.pk}/",
        {"name": "Sensor kit v2", "category": None},
    )
    assert (response.status_code, response.json()["name"], response.json()["category"]) == (200, "Sensor kit v2", None)


def test_finance_sets_a_price_and_the_trail_has_it(world, in_scope):
    p = world.porta
    response = send_json(
        signed_in(p.finance),
        "post",
        f"/api/v1/o/porta/products/{p.product.pk}/prices/",
        {"currency": "EUR", "list_price": "125.00"},
    )
    assert (response.status_code, response.json()["prices"]) == (
        200,
        [{"currency": "EUR", "list_price": "125.00", "unit_cost": "70.00"}],
    )
    with in_scope(p.org):
        assert AuditEvent.objects.get(action="product_price.set", actor=p.finance.user).changes == {
            "list_price": ["120.00", "125.00"]
        }


def test_a_price_too_large_is_refused_and_nothing_is_written(world):
    p = world.porta
    browser = _signed_in(p.finance)
    before = snapshot()
    response = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/products/{p.product.pk}/prices/",
        {"currency": "EUR", "list_price": "1000000000000.00"},
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (
        400,
        {"list_price": "Ensure that there are no more than 14 digits in total."},
    )
    assert snapshot() == before


def test_a_product_is_made_obsolete_and_sold_again(world, in_scope):
    p = world.porta
    browser = signed_in(p.admin)
    obsolete = send_json(
        browser,
        "post",
        f"/api/v1/o/porta/products/{p.product2.pk}/obsolete/",
        {"replaced_by": p.product.pk, "obsolete_on": "2026-02-01"},
    )
    assert (
        obsolete.status_code,
        obsolete.json()["status"],
        obsolete.json()["obsolete_on"],
        obsolete.json()["replaced_by"],
    ) == (
        200,
        "obsolete",
        "2026-02-01",
        {"id": p.product.pk, "sku": "PORTA-001", "name": "Sensor kit"},
    )
    again = send_json(browser, "post", f"/api/v1/o/porta/products/{p.product2.pk}/reactivate/")
    assert (again.status_code, again.json()["status"], again.json()["replaced_by"]) == (200, "active", None)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"replaced_by": "old"},
            {"replaced_by": "PORTA-000 · Sensor kit (2019) is obsolete itself: choose an active product."},
        ),
        ({"replaced_by": "itself"}, {"replaced_by": "A product cannot replace itself."}),
        ({"replaced_by": "nordwind"}, {"replaced_by": "Choose a product of this organisation."}),
        ({"replaced_by": None, "obsolete_on": None}, {"obsolete_on": "Say since when it is obsolete."}),
    ],
)
def test_a_bad_replacement_is_refused_in_the_error_shape_and_nothing_is_written(world, body, fields):
    p = world.porta
    ids = {"old": p.old_product.pk, "itself": p.product2.pk, "nordwind": world.nordwind.product.pk}
    body = {"obsolete_on": "2026-02-01"} | {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    browser = _signed_in(p.admin)
    before = snapshot()
    response = send_json(browser, "post", f"/api/v1/o/porta/products/{p.product2.pk}/obsolete/", body)
    message = next(iter(fields.values()))
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "invalid", "message": message, "fields": fields}},
    )
    assert snapshot() == before


def test_writes_to_another_organisations_product_are_not_found_and_change_nothing(world, in_scope):
    p, n = world.porta, world.nordwind
    browser = _signed_in(p.admin)
    before = snapshot()
    answers = [
        send_json(browser, "patch", f"/api/v1/o/porta/products/{n.product.pk}/", {"name": "Mine"}),
        send_json(
            browser, "post", f"/api/v1/o/porta/products/{n.product.pk}/prices/", {"currency": "EUR", "list_price": "1"}
        ),
        send_json(browser, "post", f"/api/v1/o/porta/products/{n.product.pk}/obsolete/", {"obsolete_on": "2026-01-01"}),
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(404, NOT_FOUND)] * 3
    assert snapshot() == before
    with in_scope(n.org):
        assert (Product.objects.get(pk=n.product.pk).name, ProductPrice.objects.get(pk=n.price.pk).list_price) == (
            "Sensor kit",
            n.price.list_price,
        )
