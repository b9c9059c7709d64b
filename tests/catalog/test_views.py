"""The catalogue's pages: everyone reads the list and a product's page; admins and finance
keep the catalogue (others get 403 on its forms, another organisation's rows 404); the list's
filters, sort, pages and exports; refused forms write nothing; fixed query counts."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from catalog import services
from catalog.models import Category, Product, ProductPrice, TaxRate
from tests.factories import post_unchanged, signed_in

ROLES = ["admin", "lead", "ae", "ae2", "finance"]
KEEPERS = {"admin", "finance"}


def _row_ids(content: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'data-testid="product-row" data-product-id="(\d+)"', content)]


def _add_products(world, in_scope, count: int, *, start: int = 10, **fields) -> list[Product]:
    p = world.porta
    products = []
    with in_scope(p.org):
        for n in range(start, start + count):
            product = services.product_create(
                organization=p.org,
                actor=p.admin,
                sku=f"PORTA-{n:03d}",
                name=f"Part {n:03d}",
                tax_rate=p.vat21,
                category=p.category,
                **fields,
            )
            services.product_price_set(
                organization=p.org, actor=p.admin, product=product, currency="EUR", list_price=Decimal(n)
            )
            products.append(product)
    return products


# --- Who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_the_catalogue_and_a_products_page(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    listing = browser.get("/o/porta/catalog/")
    detail = browser.get(f"/o/porta/catalog/{p.product.pk}/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert _row_ids(listing.content) == [p.product2.pk, p.product.pk, p.old_product.pk]
    assert b"PORTA-001" in detail.content and "€120.00".encode() in detail.content
    assert b"NORDWIND" not in listing.content + detail.content
    # the forms are offered to those who may use them
    offered = [b'data-testid="new-product"' in listing.content, b'data-testid="edit-product"' in detail.content]
    assert offered == [role in KEEPERS] * 2


@pytest.mark.parametrize("role", ROLES)
def test_the_forms_and_settings_answer_403_to_those_who_may_only_read(world, role):
    p = world.porta
    browser = signed_in(getattr(p, role))
    urls = [
        "/o/porta/catalog/new/",
        f"/o/porta/catalog/{p.product.pk}/edit/",
        f"/o/porta/catalog/{p.product.pk}/price/",
        f"/o/porta/catalog/{p.product.pk}/obsolete/",
        "/o/porta/catalog/settings/",
        f"/o/porta/catalog/tax-rates/{p.vat21.pk}/",
        f"/o/porta/catalog/categories/{p.category.pk}/",
    ]
    expected = 200 if role in KEEPERS else 403
    assert {url: browser.get(url).status_code for url in urls} == dict.fromkeys(urls, expected)


@pytest.mark.parametrize("role", ["lead", "ae"])
def test_a_reader_posting_a_form_is_refused_and_nothing_is_written(world, role):
    p = world.porta
    for url, data in [
        (
            "/o/porta/catalog/new/",
            {"sku": "X-1", "name": "X", "kind": "product", "unit": "unit", "tax_rate": p.vat21.pk},
        ),
        (f"/o/porta/catalog/{p.product.pk}/price/", {"currency": "EUR", "list_price": "1.00"}),
        (f"/o/porta/catalog/{p.product.pk}/obsolete/", {"obsolete_on": "2026-01-01"}),
        (f"/o/porta/catalog/{p.old_product.pk}/reactivate/", {}),
        ("/o/porta/catalog/tax-rates/", {"rate-name": "VAT 7%", "rate-rate": "7"}),
        (f"/o/porta/catalog/tax-rates/{p.vat21.pk}/delete/", {}),
        ("/o/porta/catalog/categories/", {"category-name": "Software"}),
        (f"/o/porta/catalog/categories/{p.category.pk}/delete/", {}),
    ]:
        response, unchanged = post_unchanged(getattr(p, role), url, data)
        assert (url, response.status_code, unchanged) == (url, 403, True)


def test_another_organisations_product_is_not_found_even_for_an_admin(world):
    browser = signed_in(world.porta.admin)
    n = world.nordwind
    for url in (f"/o/porta/catalog/{n.product.pk}/", f"/o/porta/catalog/{n.product.pk}/edit/"):
        assert browser.get(url).status_code == 404


def test_the_navigation_has_the_catalogue_for_everyone(world):
    html = signed_in(world.porta.ae).get("/o/porta/catalog/").content.decode()
    assert re.search(
        r'<a class="nav-link active" href="/o/porta/catalog/"><i class="bi bi-box-seam"></i> Catalogue</a>', html
    )
    assert 'href="/o/porta/catalog/"' in signed_in(world.porta.finance).get("/o/porta/").content.decode()


# --- The list -------------------------------------------------------------------------------


def test_filters_and_sort_come_from_the_url(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        software = services.category_create(organization=p.org, actor=p.admin, name="Software")
        licence = services.product_create(
            organization=p.org, actor=p.admin, sku="SW-9", name="Analytics licence", tax_rate=p.vat21, category=software
        )
    browser = signed_in(p.ae)
    assert _row_ids(browser.get("/o/porta/catalog/?status=active").content) == [
        licence.pk,
        p.product2.pk,
        p.product.pk,
    ]
    assert _row_ids(browser.get("/o/porta/catalog/?kind=service").content) == [p.product2.pk]
    assert _row_ids(browser.get(f"/o/porta/catalog/?category={software.pk}").content) == [licence.pk]
    assert _row_ids(browser.get("/o/porta/catalog/?q=sensor kit").content) == [p.product.pk, p.old_product.pk]
    assert _row_ids(browser.get("/o/porta/catalog/?q=porta-00").content) == [
        p.product2.pk,
        p.product.pk,
        p.old_product.pk,
    ]
    assert _row_ids(browser.get("/o/porta/catalog/?sort=-sku").content) == [
        licence.pk,
        p.product2.pk,
        p.product.pk,
        p.old_product.pk,
    ]
    # by price, those without one in the base currency last
    assert _row_ids(browser.get("/o/porta/catalog/?sort=price").content) == [
        p.product2.pk,
        p.product.pk,
        licence.pk,
        p.old_product.pk,
    ]
    text = browser.get("/o/porta/catalog/?status=obsolete&sort=-name").content.decode()
    assert '<option value="obsolete" selected>' in text and '<option value="-name" selected>' in text
    assert _row_ids(text.encode()) == [p.old_product.pk]


def test_another_organisations_category_filters_nothing_in(world):
    browser = signed_in(world.porta.ae)
    response = browser.get(f"/o/porta/catalog/?category={world.nordwind.category.pk}")
    assert (response.status_code, _row_ids(response.content)) == (
        200,
        [world.porta.product2.pk, world.porta.product.pk, world.porta.old_product.pk],
    )


def test_the_list_pages_by_25_and_htmx_gets_the_results(world, in_scope):
    p = world.porta
    _add_products(world, in_scope, 30)
    browser = signed_in(p.ae)
    first, second = browser.get("/o/porta/catalog/"), browser.get("/o/porta/catalog/?page=2")
    assert (len(_row_ids(first.content)), len(_row_ids(second.content))) == (25, 8)
    assert b"33 products and services" in first.content
    partial = browser.get("/o/porta/catalog/?page=2", HTTP_HX_REQUEST="true")
    assert partial.content.lstrip().startswith(b'<div id="product-results"') and b"<html" not in partial.content
    assert _row_ids(partial.content) == _row_ids(second.content)


# --- Exports --------------------------------------------------------------------------------

EXPORT_HEADER = [
    "SKU",
    "Name",
    "Category",
    "Kind",
    "Unit",
    "Tax rate",
    "Currency",
    "List price",
    "Unit cost",
    "Status",
    "Obsolete since",
    "Replaced by",
]


def test_csv_export_is_exactly_the_filtered_sorted_list(world):
    browser = signed_in(world.porta.ae)
    response = browser.get("/o/porta/catalog/export.csv?q=porta&sort=-name")
    assert response.status_code == 200
    assert re.fullmatch(
        r'attachment; filename="catalogue-porta-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        EXPORT_HEADER,
        [
            "PORTA-000",
            "Sensor kit (2019)",
            "Hardware",
            "Product",
            "unit",
            "VAT 21%",
            "EUR",
            "",
            "",
            "Obsolete",
            "2025-03-03",
            "PORTA-001",
        ],
        [
            "PORTA-001",
            "Sensor kit",
            "Hardware",
            "Product",
            "unit",
            "VAT 21%",
            "EUR",
            "120.00",
            "70.00",
            "Active",
            "",
            "",
        ],
        ["PORTA-002", "Installation", "", "Service", "hour", "VAT 21%", "EUR", "65.00", "30.00", "Active", "", ""],
    ]


def test_xlsx_export_has_money_as_numbers(world):
    response = signed_in(world.porta.finance).get("/o/porta/catalog/export.xlsx?status=active")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Catalogue"
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        EXPORT_HEADER,
        ["PORTA-002", "Installation", None, "Service", "hour", "VAT 21%", "EUR", 65, 30, "Active", None, None],
        ["PORTA-001", "Sensor kit", "Hardware", "Product", "unit", "VAT 21%", "EUR", 120, 70, "Active", None, None],
    ]
    assert sheet["H2"].number_format == "General" or sheet["H2"].data_type == "n"


# --- The forms ------------------------------------------------------------------------------


def test_finance_adds_a_product_with_its_first_price_and_lands_on_its_page(world, in_scope):
    p = world.porta
    browser = signed_in(p.finance)
    response = browser.post(
        "/o/porta/catalog/new/",
        {
            "sku": "PORTA-200",
            "name": "Gateway",
            "kind": "product",
            "unit": "unit",
            "category": p.category.pk,
            "tax_rate": p.vat21.pk,
            "list_price": "1,250.50",
            "unit_cost": "700",
            "description": "",
        },
    )
    with in_scope(p.org):
        product = Product.objects.get(sku="PORTA-200")
        prices = list(ProductPrice.objects.filter(product=product).values_list("currency", "list_price", "unit_cost"))
    assert (response.status_code, response["Location"]) == (302, f"/o/porta/catalog/{product.pk}/")
    assert prices == [("EUR", Decimal("1250.50"), Decimal("700.00"))]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sku": "porta-001"}, "sku", "Another product has this SKU."),
        ({"list_price": "-5"}, "list_price", "It cannot be negative."),
        ({"unit_cost": "1.005"}, "unit_cost", "Ensure that there are no more than 2 decimal places."),
        ({"tax_rate": ""}, "tax_rate", "This field is required."),
    ],
)
def test_a_refused_product_form_says_why_under_the_field_and_writes_nothing(world, changes, field, message):
    p = world.porta
    data = {"sku": "PORTA-200", "name": "Gateway", "kind": "product", "unit": "unit", "tax_rate": p.vat21.pk}
    response, unchanged = post_unchanged(p.admin, "/o/porta/catalog/new/", data | changes)
    html = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert re.search(rf'id="id_{field}_error"><div class="invalid-feedback d-block">{re.escape(message)}</div>', html)


def test_a_product_form_says_every_refusal_at_once(world):
    p = world.porta
    data = {
        "sku": "porta-001",
        "name": "",
        "kind": "product",
        "unit": "unit",
        "tax_rate": p.vat21.pk,
        "list_price": "-1",
    }
    response, unchanged = post_unchanged(p.admin, "/o/porta/catalog/new/", data)
    html = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert re.findall(r'id="id_(\w+)_error"><div class="invalid-feedback d-block">([^<]+)</div>', html) == [
        ("sku", "Another product has this SKU."),
        ("name", "This field is required."),
        ("list_price", "It cannot be negative."),
    ]


def test_a_new_product_starts_with_the_general_rate(world):
    html = signed_in(world.porta.admin).get("/o/porta/catalog/new/").content.decode()
    assert f'<option value="{world.porta.vat21.pk}" selected>VAT 21%</option>' in html


def test_editing_a_product_changes_it(world, in_scope):
    p = world.porta
    response = signed_in(p.admin).post(
        f"/o/porta/catalog/{p.product.pk}/edit/",
        {
            "sku": "PORTA-001",
            "name": "Sensor kit v2",
            "kind": "product",
            "unit": "unit",
            "tax_rate": p.vat21.pk,
            "category": "",
        },
    )
    with in_scope(p.org):
        product = Product.objects.get(pk=p.product.pk)
    assert (response.status_code, product.name, product.category) == (302, "Sensor kit v2", None)


def test_a_price_typed_as_a_spanish_reader_writes_it_is_set_and_shows_in_the_history(world, in_scope):
    p = world.porta
    browser = signed_in(p.finance)
    browser.post("/language/", {"language": "es", "next": "/"})
    response = browser.post(
        f"/o/porta/catalog/{p.product.pk}/price/", {"currency": "EUR", "list_price": "1.299,90", "unit_cost": ""}
    )
    with in_scope(p.org):
        price = ProductPrice.objects.get(pk=p.price.pk)
    assert (response.status_code, price.list_price, price.unit_cost) == (302, Decimal("1299.90"), Decimal("70.00"))
    page = browser.get(f"/o/porta/catalog/{p.product.pk}/").content.decode()
    assert "precio de catálogo: 120,00 → 1.299,90" in page


def test_a_products_history_names_what_its_changes_point_to(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.product_update(organization=p.org, actor=p.admin, product=p.old_product, category=None)
    html = signed_in(p.ae).get(f"/o/porta/catalog/{p.old_product.pk}/").content.decode()
    changes = re.findall(r'<div class="text-body-secondary">([^<]*)</div>', html)
    assert changes == [
        "category: Hardware → —",
        "status: Active → Obsolete",
        "obsolete since: — → 03/03/2025",
        "replaced by: — → PORTA-001 · Sensor kit",
    ]
    assert "Obsolete since 3 March 2025: no new invoice or offer line may use it." in html


def test_the_price_form_starts_with_the_currency_asked_for(world, in_scope):
    p = world.porta
    html = signed_in(p.finance).get(f"/o/porta/catalog/{p.product.pk}/price/?currency=eur").content.decode()
    assert 'value="120.00"' in html and '<option value="EUR" selected>' in html


def test_making_a_product_obsolete_from_its_page_and_selling_it_again(world, in_scope):
    p = world.porta
    browser = signed_in(p.admin)
    form = browser.get(f"/o/porta/catalog/{p.product2.pk}/obsolete/").content.decode()
    # the replacement is chosen among the active products but itself
    assert re.findall(r'<option value="(\d+)"', form) == [str(p.product.pk)]
    response = browser.post(
        f"/o/porta/catalog/{p.product2.pk}/obsolete/", {"replaced_by": p.product.pk, "obsolete_on": "2026-02-01"}
    )
    assert response.status_code == 302
    page = browser.get(f"/o/porta/catalog/{p.product2.pk}/").content.decode()
    assert (
        'data-testid="obsolete-notice"' in page
        and f'href="/o/porta/catalog/{p.product.pk}/" data-testid="replaced-by"' in page
    )
    replacement = browser.get(f"/o/porta/catalog/{p.product.pk}/").content.decode()
    assert re.findall(r'data-testid="replaces">(.*?)</dd>', replacement, re.S)[0].count("<div>") == 2
    assert browser.post(f"/o/porta/catalog/{p.product2.pk}/reactivate/").status_code == 302
    with in_scope(p.org):
        assert Product.objects.values_list("status", "replaced_by", "obsolete_on").get(pk=p.product2.pk) == (
            "active",
            None,
            None,
        )


def test_a_refused_obsolete_form_says_why_and_writes_nothing(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.admin, f"/o/porta/catalog/{p.product2.pk}/obsolete/", {"replaced_by": p.product.pk}
    )
    assert (response.status_code, unchanged) == (400, True)
    assert "Say since when it is obsolete." in response.content.decode()


# --- Tax rates and categories -----------------------------------------------------------------


def test_finance_adds_a_tax_rate_and_a_category_from_the_settings_page(world, in_scope):
    p = world.porta
    browser = signed_in(p.finance)
    rate = browser.post("/o/porta/catalog/tax-rates/", {"rate-name": "IGIC 7%", "rate-rate": "7"})
    category = browser.post("/o/porta/catalog/categories/", {"category-name": "Software"})
    assert (rate.status_code, category.status_code) == (302, 302)
    with in_scope(p.org):
        assert TaxRate.objects.filter(name="IGIC 7%", rate=Decimal("7.00")).exists()
        assert list(Category.objects.values_list("name", flat=True)) == ["Hardware", "Software"]
    page = browser.get("/o/porta/catalog/settings/").content.decode()
    assert page.count('data-testid="tax-rate-row"') == 6 and page.count('data-testid="category-row"') == 2


def test_a_refused_tax_rate_comes_back_on_its_form_and_writes_nothing(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.finance, "/o/porta/catalog/tax-rates/", {"rate-name": "Odd", "rate-rate": "150"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert (response.status_code, unchanged) == (400, True)
    assert html.lstrip().startswith('<div class="card" id="tax-rates"')
    assert "A tax rate is a percentage from 0 to 100." in html


def test_deleting_a_rate_in_use_by_an_obsolete_product_retires_it(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        vat4 = TaxRate.objects.get(rate=4)
        services.product_update(organization=p.org, actor=p.admin, product=p.old_product, tax_rate=vat4)
    browser = signed_in(p.admin)
    response = browser.post(f"/o/porta/catalog/tax-rates/{vat4.pk}/delete/")
    assert response.status_code == 302
    with in_scope(p.org):
        assert TaxRate.objects.get(pk=vat4.pk).is_active is False
    page = browser.get("/o/porta/catalog/settings/").content.decode()
    assert "Tax rate VAT 4% is retired: it is kept for what was sold with it." in page


def test_deleting_a_rate_active_products_use_is_refused_with_the_reason(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.admin,
        f"/o/porta/catalog/tax-rates/{p.vat21.pk}/delete/",
        {},
        HTTP_REFERER="http://testserver/o/porta/catalog/settings/",
    )
    assert (response.status_code, response["Location"], unchanged) == (
        302,
        "http://testserver/o/porta/catalog/settings/",
        True,
    )


# --- Query counts: the same whatever the data size -------------------------------------------

# user, organisation, savepoint, tenant setting, membership, [page queries], setting reset, release
LIST_QUERIES = 10  # + the filter's categories, count, page rows
DETAIL_QUERIES = 16  # + product, prices, what it replaced, history, its people, teams, products, categories, rates
SETTINGS_QUERIES = 9  # + tax rates, categories
EXPORT_QUERIES = 8  # + every filtered row, in one query


def _count(django_assert_num_queries, browser, url, expected):
    with django_assert_num_queries(expected):
        response = browser.get(url)
    assert response.status_code == 200
    return response


def test_the_list_takes_the_same_queries_with_1_and_with_50_products(world, in_scope, django_assert_num_queries):
    p = world.porta
    browser = signed_in(p.ae)
    one = _count(django_assert_num_queries, browser, "/o/porta/catalog/?status=obsolete", LIST_QUERIES)
    assert len(_row_ids(one.content)) == 1
    _add_products(world, in_scope, 50)
    many = _count(django_assert_num_queries, browser, "/o/porta/catalog/?sort=-price", LIST_QUERIES)
    assert len(_row_ids(many.content)) == 25
    _count(django_assert_num_queries, browser, "/o/porta/catalog/?page=2", LIST_QUERIES)


def test_exports_take_the_same_queries_with_1_and_with_50_products(world, in_scope, django_assert_num_queries):
    browser = signed_in(world.porta.ae)
    with django_assert_num_queries(EXPORT_QUERIES):
        browser.get("/o/porta/catalog/export.csv?status=obsolete")
    _add_products(world, in_scope, 50)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = browser.get("/o/porta/catalog/export.csv")
    with django_assert_num_queries(EXPORT_QUERIES):
        browser.get("/o/porta/catalog/export.xlsx")
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 53


def test_a_products_page_takes_the_same_queries_with_1_and_with_50_prices_and_replaced(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    browser = signed_in(p.ae)
    _count(django_assert_num_queries, browser, f"/o/porta/catalog/{p.product.pk}/", DETAIL_QUERIES)
    with in_scope(p.org):
        for code in ("USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF"):
            services.product_price_set(
                organization=p.org, actor=p.finance, product=p.product, currency=code, list_price=Decimal("1")
            )
        for n in range(10):
            services.product_update(organization=p.org, actor=p.admin, product=p.product, description=f"Version {n}")
    for old in _add_products(world, in_scope, 40):
        with in_scope(p.org):
            services.product_make_obsolete(
                organization=p.org,
                actor=p.admin,
                product=old,
                replaced_by=p.product,
                obsolete_on=p.old_product.obsolete_on,
            )
    many = _count(django_assert_num_queries, browser, f"/o/porta/catalog/{p.product.pk}/", DETAIL_QUERIES)
    assert many.content.count(b'data-testid="price-row"') == 11
    assert many.content.count(b'data-testid="history-event"') == 20


def test_the_settings_page_takes_the_same_queries_with_1_and_with_50_categories(
    world, in_scope, django_assert_num_queries
):
    p = world.porta
    browser = signed_in(p.finance)
    _count(django_assert_num_queries, browser, "/o/porta/catalog/settings/", SETTINGS_QUERIES)
    with in_scope(p.org):
        for n in range(49):
            services.category_create(organization=p.org, actor=p.admin, name=f"Category {n}")
    many = _count(django_assert_num_queries, browser, "/o/porta/catalog/settings/", SETTINGS_QUERIES)
    assert many.content.count(b'data-testid="category-row"') == 50
