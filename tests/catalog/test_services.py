"""The catalogue's services: who may change it, every bad input refused with its sentence and
nothing written, the lifecycle (active → obsolete with a replacement and a date, and back),
tax rates that keep what was sold with them, and the audit trail of money changes."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import services
from catalog.models import Category, Product, ProductPrice, TaxRate
from catalog.permissions import can_change_catalog
from config.errors import ApplicationError, refusal_messages
from tenancy import services as tenancy_services
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot

FORBIDDEN = "Only admins and finance may change the catalogue."


def _refusal(world, in_scope, call):
    """Run a service call that must be refused, as porta: the refusal as people get it (its
    sentence, its fields, its status) and whether nothing changed."""
    before = snapshot()
    with pytest.raises((ApplicationError, ValidationError)) as raised, in_scope(world.porta.org):
        call()
    message, fields = refusal_messages(raised.value)
    refusal = SimpleNamespace(message=message, fields=fields, status=getattr(raised.value, "status", 400))
    return refusal, snapshot() == before


def _in(world, in_scope, call):
    with in_scope(world.porta.org):
        return call()


def _product(world, in_scope, actor="admin", **fields):
    p = world.porta
    values = {"sku": "PORTA-100", "name": "Gateway", "tax_rate": p.vat21} | fields
    return _in(world, in_scope, lambda: services.product_create(organization=p.org, actor=getattr(p, actor), **values))


# --- Who keeps the catalogue ------------------------------------------------------------------


def test_admins_and_finance_change_the_catalogue_and_no_one_else(world, in_scope):
    p = world.porta
    assert {role: can_change_catalog(getattr(p, role)) for role in ("admin", "lead", "ae", "ae2", "finance")} == {
        "admin": True,
        "lead": False,
        "ae": False,
        "ae2": False,
        "finance": True,
    }
    with in_scope(p.org):
        former = tenancy_services.membership_set_active(
            organization=p.org, actor=p.admin, membership=p.finance, is_active=False
        )
    assert can_change_catalog(former) is False


@pytest.mark.parametrize("role", ["lead", "ae"])
def test_everyone_else_is_refused_every_change_and_nothing_is_written(world, in_scope, role):
    p = world.porta
    actor = getattr(p, role)
    calls = [
        lambda: services.product_create(organization=p.org, actor=actor, sku="X-1", name="X", tax_rate=p.vat21),
        lambda: services.product_update(organization=p.org, actor=actor, product=p.product, name="Renamed"),
        lambda: services.product_price_set(
            organization=p.org, actor=actor, product=p.product, currency="EUR", list_price=Decimal("1.00")
        ),
        lambda: services.product_make_obsolete(
            organization=p.org, actor=actor, product=p.product2, replaced_by=None, obsolete_on=date(2026, 1, 1)
        ),
        lambda: services.product_reactivate(organization=p.org, actor=actor, product=p.old_product),
        lambda: services.tax_rate_create(organization=p.org, actor=actor, name="VAT 7%", rate=Decimal("7.00")),
        lambda: services.tax_rate_update(organization=p.org, actor=actor, tax_rate=p.vat21, name="IVA"),
        lambda: services.tax_rate_delete(organization=p.org, actor=actor, tax_rate=p.vat21),
        lambda: services.category_create(organization=p.org, actor=actor, name="Software"),
        lambda: services.category_update(organization=p.org, actor=actor, category=p.category, name="Kits"),
        lambda: services.category_delete(organization=p.org, actor=actor, category=p.category),
    ]
    for call in calls:
        refusal, unchanged = _refusal(world, in_scope, call)
        assert (refusal.message, refusal.status, unchanged) == (FORBIDDEN, 403, True)


# --- Tax rates -------------------------------------------------------------------------------


def test_every_organisation_starts_with_the_spanish_vat_rates_named_in_its_language(db):
    # when organisations are created, in English and in Spanish
    english = tenancy_services.organization_create(name="Acme", slug="acme", default_language="en")
    spanish = tenancy_services.organization_create(name="Ibérica", slug="iberica", default_language="es")
    # then each has the five rates, in its language
    rates = {}
    for organization in (english, spanish):
        with tenant_scope(organization):
            rates[organization.slug] = list(
                TaxRate.objects.order_by("-rate", "is_exempt").values_list(
                    "name", "rate", "is_exempt", "exemption_reason"
                )
            )
    assert rates["acme"] == [
        ("VAT 21%", Decimal("21.00"), False, ""),
        ("VAT 10%", Decimal("10.00"), False, ""),
        ("VAT 4%", Decimal("4.00"), False, ""),
        ("VAT 0%", Decimal("0.00"), False, ""),
        ("VAT exempt", Decimal("0.00"), True, "Exempt from VAT under article 20 of the Spanish VAT Act (Law 37/1992)."),
    ]
    assert [name for name, *_rest in rates["iberica"]] == [
        "IVA 21 %",
        "IVA 10 %",
        "IVA 4 %",
        "IVA 0 %",
        "Exento de IVA",
    ]


def test_an_organisation_added_in_the_django_admin_starts_with_the_rates_too(db):
    from django.test import Client

    from tenancy.models import Organization, User

    superuser = User.objects.create_superuser("root@example.test", "a-long-password-1")
    browser = Client()
    browser.force_login(superuser)
    response = browser.post(
        "/admin/tenancy/organization/add/",
        {
            "name": "Catalana SL",
            "slug": "catalana",
            "base_currency": "EUR",
            "time_zone": "Europe/Madrid",
            "default_language": "ca",
            "is_active": "on",
        },
    )
    organization = Organization.objects.get(slug="catalana")
    with tenant_scope(organization):
        names = list(TaxRate.objects.order_by("-rate", "is_exempt").values_list("name", flat=True))
    assert (response.status_code, names) == (302, ["IVA 21 %", "IVA 10 %", "IVA 4 %", "IVA 0 %", "Exempt d'IVA"])


def test_ensuring_the_default_rates_again_adds_nothing_even_when_they_were_renamed(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=p.vat21, name="IVA general")
        before = snapshot()
        created = services.tax_rates_ensure_defaults(p.org)
    assert (created, snapshot() == before) == ([], True)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"rate": Decimal("100.01")}, "rate", "A tax rate is a percentage from 0 to 100.", id="over 100"),
        pytest.param({"rate": Decimal("-1")}, "rate", "A tax rate is a percentage from 0 to 100.", id="negative"),
        pytest.param({"rate": Decimal("7.125")}, "rate", "At most two decimals.", id="three decimals"),
        pytest.param({"rate": None}, "rate", "A tax rate is a percentage from 0 to 100.", id="no rate"),
        pytest.param(
            {"rate": Decimal("21"), "is_exempt": True, "exemption_reason": "Art. 20"},
            "rate",
            "An exempt rate charges no tax: its rate is 0.",
            id="exempt with a rate",
        ),
        pytest.param(
            {"rate": Decimal("0"), "is_exempt": True},
            "exemption_reason",
            "An exempt rate says why: the legal reason the invoice prints.",
            id="exempt without a reason",
        ),
        pytest.param(
            {"name": "vat 21%", "rate": Decimal("21")},
            "name",
            "A tax rate with this name already exists.",
            id="a name taken, whatever the case",
        ),
        pytest.param({"name": "  ", "rate": Decimal("7")}, "name", "This field is required.", id="no name"),
    ],
)
def test_a_bad_tax_rate_is_refused_and_nothing_is_written(world, in_scope, fields, field, message):
    p = world.porta
    values = {"name": "VAT 7%"} | fields
    refusal, unchanged = _refusal(
        world, in_scope, lambda: services.tax_rate_create(organization=p.org, actor=p.finance, **values)
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {field: message}, True)


def test_finance_adds_a_tax_rate_and_the_trail_says_so(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        rate = services.tax_rate_create(organization=p.org, actor=p.finance, name=" IGIC 7% ", rate=Decimal("7"))
        event = AuditEvent.objects.get(action="tax_rate.create", object_id=rate.pk)
    assert (rate.name, rate.rate, rate.is_active) == ("IGIC 7%", Decimal("7.00"), True)
    assert (event.actor, event.changes) == (
        p.finance.user,
        {
            "name": [None, "IGIC 7%"],
            "rate": [None, "7.00"],
            "is_exempt": [None, False],
            "exemption_reason": [None, ""],
            "is_active": [None, True],
        },
    )


def test_a_rate_in_use_keeps_its_percentage_but_may_be_renamed(world, in_scope):
    p = world.porta
    message = "This rate is in use: add a new rate and retire this one, so that what was sold keeps its rate."
    refusal, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=p.vat21, rate=Decimal("23")),
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {"rate": message}, True)
    with in_scope(p.org):
        renamed = services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=p.vat21, name="IVA general")
        event = AuditEvent.objects.get(action="tax_rate.update", object_id=p.vat21.pk)
    assert (renamed.name, renamed.rate, event.changes) == (
        "IVA general",
        Decimal("21.00"),
        {"name": ["VAT 21%", "IVA general"]},
    )


def test_a_rate_nothing_uses_changes_its_percentage(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        vat10 = TaxRate.objects.get(rate=10)
        changed = services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=vat10, rate=Decimal("9.5"))
    assert changed.rate == Decimal("9.50")


def test_a_rate_active_products_are_sold_with_is_not_retired(world, in_scope):
    p = world.porta
    message = "2 active products are sold with this rate: give them another rate first."
    for call in (
        lambda: services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=p.vat21, is_active=False),
        lambda: services.tax_rate_delete(organization=p.org, actor=p.admin, tax_rate=p.vat21),
    ):
        refusal, unchanged = _refusal(world, in_scope, call)
        assert (refusal.message, refusal.fields, unchanged) == (message, {"is_active": message}, True)


def test_a_rate_nothing_uses_is_deleted_and_one_an_obsolete_product_uses_is_retired(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        vat10, vat4 = TaxRate.objects.get(rate=10), TaxRate.objects.get(rate=4)
        services.product_update(organization=p.org, actor=p.admin, product=p.old_product, tax_rate=vat4)
        deleted = services.tax_rate_delete(organization=p.org, actor=p.admin, tax_rate=vat10)
        retired = services.tax_rate_delete(organization=p.org, actor=p.admin, tax_rate=vat4)
        assert (deleted, TaxRate.objects.filter(pk=vat10.pk).exists()) == (None, False)
        assert (retired.pk, TaxRate.objects.get(pk=vat4.pk).is_active) == (vat4.pk, False)
        assert list(
            AuditEvent.objects.filter(object_type="catalog.taxrate", object_id__in=[vat10.pk, vat4.pk])
            .exclude(action="tax_rate.create")
            .order_by("id")
            .values_list("action", "changes")
        ) == [
            (
                "tax_rate.delete",
                {
                    "name": ["VAT 10%", None],
                    "rate": ["10.00", None],
                    "is_exempt": [False, None],
                    "exemption_reason": ["", None],
                    "is_active": [True, None],
                },
            ),
            ("tax_rate.update", {"is_active": [True, False]}),
        ]


# --- Categories -------------------------------------------------------------------------------


def test_a_category_name_is_taken_whatever_its_case(world, in_scope):
    p = world.porta
    message = "A category with this name already exists."
    refusal, unchanged = _refusal(
        world, in_scope, lambda: services.category_create(organization=p.org, actor=p.admin, name=" HARDWARE ")
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {"name": message}, True)


def test_a_category_with_products_is_not_deleted_and_an_empty_one_is(world, in_scope):
    p = world.porta
    refusal, unchanged = _refusal(
        world, in_scope, lambda: services.category_delete(organization=p.org, actor=p.admin, category=p.category)
    )
    assert (refusal.message, unchanged) == ("2 products are in this category: move them to another first.", True)
    with in_scope(p.org):
        empty = services.category_create(organization=p.org, actor=p.admin, name="Software")
        services.category_delete(organization=p.org, actor=p.admin, category=empty)
        assert list(Category.objects.values_list("name", flat=True)) == ["Hardware"]


# --- Products ---------------------------------------------------------------------------------


def test_finance_adds_a_product_with_its_prices_and_each_is_audited(world, in_scope):
    p = world.porta
    product = _product(
        world,
        in_scope,
        actor="finance",
        sku=" PORTA-100 ",
        description="Zigbee to Ethernet.",
        category=p.category,
        prices=[
            {"currency": "eur", "list_price": Decimal("250.00"), "unit_cost": Decimal("140.00")},
            {"currency": "USD", "list_price": Decimal("275.50")},
        ],
    )
    with in_scope(p.org):
        prices = list(ProductPrice.objects.filter(product=product).values_list("currency", "list_price", "unit_cost"))
        events = list(
            AuditEvent.objects.filter(actor=p.finance.user, object_type__startswith="catalog.")
            .order_by("id")
            .values_list("action", "object_repr", "changes")
        )
    assert (product.sku, product.status, product.obsolete_on, product.replaced_by) == (
        "PORTA-100",
        "active",
        None,
        None,
    )
    assert prices == [("EUR", Decimal("250.00"), Decimal("140.00")), ("USD", Decimal("275.50"), Decimal("0.00"))]
    assert events == [
        (
            "product.create",
            "PORTA-100 · Gateway",
            {
                "sku": [None, "PORTA-100"],
                "name": [None, "Gateway"],
                "description": [None, "Zigbee to Ethernet."],
                "kind": [None, "product"],
                "category": [None, p.category.pk],
                "unit": [None, "unit"],
                "tax_rate": [None, p.vat21.pk],
            },
        ),
        (
            "product_price.set",
            "PORTA-100 · Gateway · EUR",
            {"list_price": [None, "250.00"], "unit_cost": [None, "140.00"]},
        ),
        (
            "product_price.set",
            "PORTA-100 · Gateway · USD",
            {"list_price": [None, "275.50"], "unit_cost": [None, "0.00"]},
        ),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"sku": "porta-001"}, "sku", "Another product has this SKU.", id="a SKU taken, whatever the case"),
        pytest.param({"sku": "PORTA 100"}, "sku", "Letters, digits, dots, dashes and underscores only.", id="a space"),
        pytest.param({"sku": ""}, "sku", "This field is required.", id="no SKU"),
        pytest.param({"name": " "}, "name", "This field is required.", id="no name"),
        pytest.param({"kind": "gadget"}, "kind", "Choose a value from the list.", id="an unknown kind"),
        pytest.param({"unit": "box"}, "unit", "Choose a value from the list.", id="an unknown unit"),
        pytest.param({"tax_rate": None}, "tax_rate", "This field is required.", id="no tax rate"),
        pytest.param(
            {"description": "x" * 4001},
            "description",
            "Ensure this value has at most 4000 characters (it has 4001).",
            id="a description too long",
        ),
    ],
)
def test_a_bad_product_is_refused_and_nothing_is_written(world, in_scope, fields, field, message):
    p = world.porta
    values = {"sku": "PORTA-100", "name": "Gateway", "tax_rate": p.vat21} | fields
    refusal, unchanged = _refusal(
        world, in_scope, lambda: services.product_create(organization=p.org, actor=p.admin, **values)
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {field: message}, True)


def test_a_new_product_and_its_prices_are_refused_together_and_nothing_is_written(world, in_scope):
    p = world.porta
    refusal, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.product_create(
            organization=p.org,
            actor=p.admin,
            sku="PORTA-001",
            name="Copy",
            tax_rate=p.vat21,
            prices=[{"currency": "EUR", "list_price": Decimal("-1"), "unit_cost": Decimal("0.001")}],
        ),
    )
    assert (refusal.fields, unchanged) == (
        {
            "sku": "Another product has this SKU.",
            "list_price": "It cannot be negative.",
            "unit_cost": "At most two decimals.",
        },
        True,
    )


def test_the_same_sku_is_allowed_in_another_organisation(world, in_scope):
    n = world.nordwind
    with in_scope(n.org):
        product = services.product_create(
            organization=n.org, actor=n.admin, sku="porta-001", name="Twin", tax_rate=n.vat21
        )
    assert product.organization == n.org


def test_a_category_or_tax_rate_of_another_organisation_is_refused(world, in_scope):
    p, n = world.porta, world.nordwind
    for fields, field, message in [
        ({"category": n.category}, "category", "Choose a category of this organisation."),
        ({"tax_rate": n.vat21}, "tax_rate", "Choose a tax rate of this organisation."),
    ]:
        values = {"sku": "PORTA-100", "name": "Gateway", "tax_rate": p.vat21} | fields
        refusal, unchanged = _refusal(
            world, in_scope, lambda values=values: services.product_create(organization=p.org, actor=p.admin, **values)
        )
        assert (refusal.message, refusal.fields, unchanged) == (message, {field: message}, True)


def test_a_retired_tax_rate_is_refused_for_a_new_product_or_a_change_of_rate(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        vat4 = TaxRate.objects.get(rate=4)
        services.tax_rate_update(organization=p.org, actor=p.admin, tax_rate=vat4, is_active=False)
    message = "VAT 4% is retired: choose an active tax rate."
    for call in (
        lambda: services.product_create(organization=p.org, actor=p.admin, sku="P-1", name="P", tax_rate=vat4),
        lambda: services.product_update(organization=p.org, actor=p.admin, product=p.product, tax_rate=vat4),
    ):
        refusal, unchanged = _refusal(world, in_scope, call)
        assert (refusal.message, refusal.fields, unchanged) == (message, {"tax_rate": message}, True)


def test_a_product_changes_what_is_given_and_the_trail_has_from_and_to(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        changed = services.product_update(
            organization=p.org, actor=p.admin, product=p.product, name="Sensor kit v2", category=None
        )
        event = AuditEvent.objects.get(action="product.update", object_id=p.product.pk)
    assert (changed.name, changed.category, changed.sku, changed.tax_rate) == (
        "Sensor kit v2",
        None,
        "PORTA-001",
        p.vat21,
    )
    assert event.changes == {"name": ["Sensor kit", "Sensor kit v2"], "category": [p.category.pk, None]}


def test_a_product_of_another_organisation_is_not_found(world, in_scope):
    p, n = world.porta, world.nordwind
    with pytest.raises(Product.DoesNotExist), in_scope(p.org):
        services.product_update(organization=p.org, actor=p.admin, product=n.product, name="Mine")


def test_an_unknown_change_is_a_mistake_of_the_caller(world, in_scope):
    p = world.porta
    with pytest.raises(TypeError, match="Unexpected changes: status"), in_scope(p.org):
        services.product_update(organization=p.org, actor=p.admin, product=p.product, status="obsolete")


# --- Prices -----------------------------------------------------------------------------------


def test_a_price_change_is_audited_from_what_to_what(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        price = services.product_price_set(
            organization=p.org, actor=p.finance, product=p.product, currency="EUR", list_price=Decimal("129.90")
        )
        event = AuditEvent.objects.get(action="product_price.set", actor=p.finance.user)
    assert (price.pk, price.list_price, price.unit_cost) == (p.price.pk, Decimal("129.90"), Decimal("70.00"))
    assert (event.object_type, event.object_id, event.object_repr, event.changes) == (
        "catalog.productprice",
        p.price.pk,
        "PORTA-001 · Sensor kit · EUR",
        {"list_price": ["120.00", "129.90"]},
    )


def test_a_price_in_a_new_currency_is_a_new_row(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.product_price_set(
            organization=p.org,
            actor=p.finance,
            product=p.product,
            currency=" usd ",
            list_price=Decimal("135"),
            unit_cost=Decimal("80.5"),
        )
        prices = list(ProductPrice.objects.filter(product=p.product).values_list("currency", "list_price", "unit_cost"))
    assert prices == [("EUR", Decimal("120.00"), Decimal("70.00")), ("USD", Decimal("135.00"), Decimal("80.50"))]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"list_price": Decimal("-0.01")}, "list_price", "It cannot be negative.", id="negative price"),
        pytest.param({"unit_cost": Decimal("-5")}, "unit_cost", "It cannot be negative.", id="negative cost"),
        pytest.param({"list_price": Decimal("10.005")}, "list_price", "At most two decimals.", id="three decimals"),
        pytest.param({"unit_cost": 0.1 + 0.2}, "unit_cost", "At most two decimals.", id="a float's binary value"),
        pytest.param(
            {"list_price": Decimal("1000000000000.00")}, "list_price", "That amount is too large.", id="too large"
        ),
        pytest.param({"list_price": None}, "list_price", "Enter an amount, like 1500.00.", id="no price"),
        pytest.param(
            {"currency": "EURO"},
            "currency",
            "Unknown currency: use an ISO 4217 code such as EUR or USD.",
            id="an unknown currency",
        ),
    ],
)
def test_a_bad_price_is_refused_and_nothing_is_written(world, in_scope, fields, field, message):
    p = world.porta
    values = {"currency": "EUR", "list_price": Decimal("100.00")} | fields
    refusal, unchanged = _refusal(
        world,
        in_scope,
        lambda: services.product_price_set(organization=p.org, actor=p.finance, product=p.product, **values),
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {field: message}, True)


# --- The lifecycle ----------------------------------------------------------------------------


def test_a_product_made_obsolete_says_since_when_and_what_replaces_it(world, in_scope):
    p = world.porta
    day = timezone.localdate() - timedelta(days=1)
    with in_scope(p.org):
        product = services.product_make_obsolete(
            organization=p.org, actor=p.finance, product=p.product, replaced_by=p.product2, obsolete_on=day
        )
        event = AuditEvent.objects.get(action="product.make_obsolete", object_id=p.product.pk)
    assert (product.status, product.obsolete_on, product.replaced_by) == ("obsolete", day, p.product2)
    assert event.changes == {
        "status": ["active", "obsolete"],
        "obsolete_on": [None, day.isoformat()],
        "replaced_by": [None, p.product2.pk],
    }


def test_a_product_may_be_made_obsolete_with_nothing_to_replace_it(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        product = services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=p.product2, replaced_by=None, obsolete_on=timezone.localdate()
        )
    assert (product.status, product.replaced_by) == ("obsolete", None)


def _bad_replacement(world, in_scope, *, replaced_by, obsolete_on=date(2026, 1, 5), product=None):
    p = world.porta
    return _refusal(
        world,
        in_scope,
        lambda: services.product_make_obsolete(
            organization=p.org,
            actor=p.admin,
            product=product or p.product2,
            replaced_by=replaced_by,
            obsolete_on=obsolete_on,
        ),
    )


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("no date", "obsolete_on", "Say since when it is obsolete."),
        ("a future date", "obsolete_on", "A product is obsolete since today or an earlier day."),
        ("a date out of range", "obsolete_on", "Enter a date from 1900 to 2100."),
        ("itself", "replaced_by", "A product cannot replace itself."),
        (
            "an obsolete replacement",
            "replaced_by",
            "PORTA-000 · Sensor kit (2019) is obsolete itself: choose an active product.",
        ),
        ("another organisation's product", "replaced_by", "Choose a product of this organisation."),
    ],
)
def test_a_bad_replacement_or_date_is_refused_and_nothing_is_written(world, in_scope, case, field, message):
    p = world.porta
    arguments = {
        "no date": {"replaced_by": p.product, "obsolete_on": None},
        "a future date": {"replaced_by": p.product, "obsolete_on": timezone.localdate() + timedelta(days=1)},
        "a date out of range": {"replaced_by": p.product, "obsolete_on": date(1899, 12, 31)},
        "itself": {"replaced_by": p.product2},
        "an obsolete replacement": {"replaced_by": p.old_product},
        "another organisation's product": {"replaced_by": world.nordwind.product},
    }[case]
    refusal, unchanged = _bad_replacement(world, in_scope, **arguments)
    assert (refusal.message, refusal.fields, unchanged) == (message, {field: message}, True)


def test_an_obsolete_product_is_sold_again_without_replacement_or_date(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        product = services.product_reactivate(organization=p.org, actor=p.admin, product=p.old_product)
        again = services.product_reactivate(organization=p.org, actor=p.admin, product=p.old_product)
        events = list(AuditEvent.objects.filter(action="product.reactivate").values_list("changes", flat=True))
    assert (product.status, product.obsolete_on, product.replaced_by, again.status) == ("active", None, None, "active")
    assert events == [
        {
            "status": ["obsolete", "active"],
            "obsolete_on": ["2025-03-03", None],
            "replaced_by": [p.product.pk, None],
        }
    ]


def test_an_obsolete_product_whose_rate_was_retired_is_not_sold_again_until_it_has_another(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        vat4 = TaxRate.objects.get(rate=4)
        services.product_update(organization=p.org, actor=p.admin, product=p.old_product, tax_rate=vat4)
        services.tax_rate_delete(organization=p.org, actor=p.admin, tax_rate=vat4)
    message = "VAT 4% is retired: choose an active tax rate."
    refusal, unchanged = _refusal(
        world, in_scope, lambda: services.product_reactivate(organization=p.org, actor=p.admin, product=p.old_product)
    )
    assert (refusal.message, refusal.fields, unchanged) == (message, {"tax_rate": message}, True)
