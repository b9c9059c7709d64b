"""The demo catalogue, and the VAT rates of organisations that existed before new ones got
them (the data migration)."""

from collections import Counter
from decimal import Decimal
from random import Random

from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from catalog.demo import seed_catalog
from catalog.models import Category, Product, ProductPrice, TaxRate
from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tests.factories import OrganizationFactory, add_member


def _people(organization) -> dict:
    return {
        local: add_member(organization, local, [role]) for local, role in (("admin", "admin"), ("finance", "finance"))
    }


def test_the_demo_catalogue_is_seeded_once_with_prices_and_two_replaced_products(db):
    # given a demo organisation with its people (and, made by a factory, no rates yet)
    organization = OrganizationFactory(slug="porta", name="Porta Digital", default_language="ca")
    people = _people(organization)
    # when the seed runs twice
    with tenant_scope(organization):
        made = seed_catalog(organization, people, Random("accountdesk-demo-porta"))
        again = seed_catalog(organization, people, Random("accountdesk-demo-porta"))
        kinds = Counter(Product.objects.values_list("kind", flat=True))
        obsolete = list(
            Product.objects.filter(status="obsolete").order_by("sku").values_list("sku", "replaced_by__sku")
        )
        prices = set(ProductPrice.objects.values_list("currency", flat=True))
        cheapest = ProductPrice.objects.order_by("list_price").values_list("product__sku", "list_price", "unit_cost")[0]
        rates = Counter(Product.objects.values_list("tax_rate__rate", flat=True))
        names = list(TaxRate.objects.order_by("-rate", "is_exempt").values_list("name", flat=True))
        categories = Category.objects.count()
    # then the second run adds nothing, and the catalogue looks like an agency's
    assert (made, again) == ({"categories": 5, "products": 26}, None)
    assert (kinds, categories, prices) == (Counter(service=20, product=6), 5, {"EUR"})
    assert obsolete == [("PD-IMP-02", "PD-IMP-03"), ("PD-SEO-01", "PD-SEO-03")]
    assert cheapest == ("PD-IMP-01", Decimal("4.20"), Decimal("2.10"))
    assert rates == {Decimal("21.00"): 25, Decimal("4.00"): 1}
    assert names == ["IVA 21 %", "IVA 10 %", "IVA 4 %", "IVA 0 %", "Exempt d'IVA"]


def test_the_migration_gives_existing_organisations_the_rates_they_lack_once(db):
    # given organisations made before the rates existed (a factory makes them bare), one with a
    # rate of 21 % already, under another name
    OrganizationFactory(slug="bare", default_language="es")
    partial = OrganizationFactory(slug="partial", default_language="en")
    with tenant_scope(partial):
        TaxRate.objects.create(organization=partial, name="General", rate=Decimal("21.00"))
    migration = MigrationExecutor(connection).loader.get_migration("catalog", "0004_default_tax_rates")
    apps = MigrationExecutor(connection).loader.project_state(("catalog", "0004_default_tax_rates")).apps
    schema_editor = type("Editor", (), {"connection": connection})()
    # when it runs (twice)
    for _run in range(2):
        with transaction.atomic():
            migration.operations[0].code(apps, schema_editor)
    # then each has the five, once
    found = {}
    for organization in Organization.objects.filter(slug__in=["bare", "partial"]):
        with tenant_scope(organization):
            found[organization.slug] = sorted(TaxRate.objects.values_list("name", flat=True))
    assert found == {
        "bare": ["Exento de IVA", "IVA 0 %", "IVA 10 %", "IVA 21 %", "IVA 4 %"],
        "partial": ["General", "VAT 0%", "VAT 10%", "VAT 4%", "VAT exempt"],
    }
