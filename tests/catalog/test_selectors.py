"""The catalogue's reads: what a new line takes from a product (billing's entry point), the
list with its base-currency price, and the counts the settings page shows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalog import selectors, services
from catalog.models import Product


def _new_line(world, in_scope, product, currency="EUR", org="porta"):
    tenant = getattr(world, org)
    with in_scope(tenant.org):
        return selectors.product_for_new_line(
            organization=tenant.org, product_id_or_instance=product, currency=currency
        )


def _refused(world, in_scope, product, **kwargs) -> dict:
    with pytest.raises(ValidationError) as raised:
        _new_line(world, in_scope, product, **kwargs)
    return raised.value.message_dict


def test_a_new_line_takes_the_products_price_cost_and_tax_rate_in_the_documents_currency(world, in_scope):
    p = world.porta
    by_instance = _new_line(world, in_scope, p.product)
    by_id = _new_line(world, in_scope, p.product.pk, currency="eur")
    assert (by_instance.product, by_instance.price, by_instance.unit_price, by_instance.unit_cost) == (
        p.product,
        p.price,
        Decimal("120.00"),
        Decimal("70.00"),
    )
    assert (by_instance.tax_rate, by_instance.tax_rate.rate) == (p.vat21, Decimal("21.00"))
    assert (by_id.product.pk, by_id.unit_price) == (p.product.pk, Decimal("120.00"))
    product, price = by_instance  # a pair, for a caller that unpacks it
    assert (product, price) == (p.product, p.price)


def test_a_product_without_a_price_in_that_currency_starts_its_line_without_one(world, in_scope):
    line = _new_line(world, in_scope, world.porta.product, currency="USD")
    assert (line.product, line.price, line.unit_price, line.unit_cost) == (world.porta.product, None, None, None)


def test_an_obsolete_product_is_refused_naming_its_replacement_and_the_day(world, in_scope):
    p = world.porta
    assert _refused(world, in_scope, p.old_product) == {
        "product": ["PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-001 Sensor kit."]
    }
    with translation.override("es"):
        spanish = _refused(world, in_scope, p.old_product.pk)
    with translation.override("ca"):
        catalan = _refused(world, in_scope, p.old_product.pk)
    assert spanish == {
        "product": ["PORTA-000 Sensor kit (2019) está obsoleto desde el 3 de marzo de 2025: usa PORTA-001 Sensor kit."]
    }
    assert catalan == {
        "product": [
            "PORTA-000 Sensor kit (2019) és obsolet des del 3 de març de 2025: fes servir PORTA-001 Sensor kit."
        ]
    }


def test_a_replacement_replaced_in_its_turn_sends_to_the_active_one_at_the_end(world, in_scope):
    # given the old kit replaced by the kit, now replaced by the installation service
    p = world.porta
    with in_scope(p.org):
        services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=p.product, replaced_by=p.product2, obsolete_on=date(2026, 1, 2)
        )
    # then a line for either names the installation
    assert _refused(world, in_scope, p.old_product) == {
        "product": ["PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025: use PORTA-002 Installation."]
    }
    assert _refused(world, in_scope, p.product) == {
        "product": ["PORTA-001 Sensor kit is obsolete since 2 January 2026: use PORTA-002 Installation."]
    }


def test_an_obsolete_product_nothing_active_replaces_says_so(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=p.product, replaced_by=None, obsolete_on=date(2026, 1, 2)
        )
    assert _refused(world, in_scope, p.old_product) == {
        "product": ["PORTA-000 Sensor kit (2019) is obsolete since 3 March 2025, and no active product replaces it."]
    }


@pytest.mark.parametrize("which", ["another organisation's", "no one's", "not an id"])
def test_a_product_of_another_organisation_or_of_none_is_refused_as_not_of_this_one(world, in_scope, which):
    product = {"another organisation's": world.nordwind.product, "no one's": 2**31 - 1, "not an id": "1"}[which]
    assert _refused(world, in_scope, product) == {"product": ["Choose a product of this organisation."]}


def test_the_list_has_each_products_price_and_cost_in_the_base_currency(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        services.product_price_set(
            organization=p.org, actor=p.admin, product=p.old_product, currency="USD", list_price=Decimal("99")
        )
        rows = list(selectors.product_list(organization=p.org).values_list("sku", "status", "base_price", "base_cost"))
    assert rows == [
        ("PORTA-002", "active", Decimal("65.00"), Decimal("30.00")),
        ("PORTA-001", "active", Decimal("120.00"), Decimal("70.00")),
        ("PORTA-000", "obsolete", None, None),
    ]


def test_a_products_page_reads_what_it_replaced(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        product = selectors.product_get(organization=p.org, product_id=p.product.pk)
        assert (product.replaced, [price.currency for price in product.prices.all()]) == ([p.old_product], ["EUR"])
        with pytest.raises(Product.DoesNotExist):
            selectors.product_get(organization=p.org, product_id=world.nordwind.product.pk)


def test_tax_rates_and_categories_say_how_many_products_use_them(world, in_scope):
    p = world.porta
    with in_scope(p.org):
        rates = list(selectors.tax_rate_list(organization=p.org).values_list("name", "product_count"))
        categories = list(selectors.category_list(organization=p.org).values_list("name", "product_count"))
    assert rates == [("VAT 21%", 3), ("VAT 10%", 0), ("VAT 4%", 0), ("VAT 0%", 0), ("VAT exempt", 0)]
    assert categories == [("Hardware", 2)]
