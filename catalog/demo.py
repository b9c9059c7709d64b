"""The demo catalogue behind `manage.py seed_demo`: for each demo organisation about 25
products and services in five categories, with list prices and unit costs in euros (the demo's
accounts all invoice in euros), and two products made obsolete with what replaces them.

Everything goes through the services, so the audit trail is what the product itself writes.
Deterministic for a given `rng` and day: the obsolete dates are relative to today."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random

from django.utils import timezone

from catalog import services
from catalog.models import Product, TaxRate
from tenancy.models import Membership, Organization

# (category, sku, name, kind, unit, list price, unit cost, VAT %); a product's `replaces` is
# the SKU of the one it made obsolete.
PORTA = [
    ("Estratègia", "PD-EST-01", "Auditoria de marca", "service", "unit", "2400.00", "1150.00", 21),
    ("Estratègia", "PD-EST-02", "Pla de màrqueting anual", "service", "unit", "4800.00", "2300.00", 21),
    ("Estratègia", "PD-EST-03", "Taller d'estratègia digital", "service", "day", "1200.00", "540.00", 21),
    ("Estratègia", "PD-EST-04", "Consultoria estratègica", "service", "hour", "95.00", "42.00", 21),
    ("Web i SEO", "PD-WEB-01", "Disseny web corporatiu", "service", "unit", "6500.00", "3400.00", 21),
    ("Web i SEO", "PD-WEB-02", "Botiga en línia", "service", "unit", "9800.00", "5200.00", 21),
    ("Web i SEO", "PD-WEB-03", "Manteniment web", "service", "month", "180.00", "70.00", 21),
    ("Web i SEO", "PD-WEB-04", "Allotjament gestionat", "service", "year", "420.00", "150.00", 21),
    ("Web i SEO", "PD-SEO-01", "Auditoria SEO", "service", "unit", "1500.00", "700.00", 21),
    ("Web i SEO", "PD-SEO-02", "Posicionament SEO mensual", "service", "month", "850.00", "390.00", 21),
    ("Web i SEO", "PD-SEO-03", "Auditoria SEO i rendiment web", "service", "unit", "1900.00", "860.00", 21),
    (
        "Xarxes socials i continguts",
        "PD-SOC-01",
        "Gestió de xarxes socials",
        "service",
        "month",
        "1100.00",
        "520.00",
        21,
    ),
    (
        "Xarxes socials i continguts",
        "PD-SOC-02",
        "Campanya de pagament en xarxes",
        "service",
        "month",
        "750.00",
        "330.00",
        21,
    ),
    ("Xarxes socials i continguts", "PD-CON-01", "Article de blog", "service", "unit", "180.00", "80.00", 21),
    ("Xarxes socials i continguts", "PD-CON-02", "Butlletí electrònic", "service", "month", "450.00", "190.00", 21),
    (
        "Xarxes socials i continguts",
        "PD-CON-03",
        "Pla editorial trimestral",
        "service",
        "unit",
        "1400.00",
        "610.00",
        21,
    ),
    ("Producció audiovisual", "PD-AV-01", "Sessió de fotografia de producte", "service", "day", "950.00", "480.00", 21),
    ("Producció audiovisual", "PD-AV-02", "Vídeo corporatiu", "service", "unit", "3800.00", "2100.00", 21),
    ("Producció audiovisual", "PD-AV-03", "Edició de vídeo", "service", "hour", "70.00", "32.00", 21),
    ("Producció audiovisual", "PD-AV-04", "Animació 2D de 30 segons", "service", "unit", "1600.00", "820.00", 21),
    (
        "Impressió i llicències",
        "PD-LIC-01",
        "Llicència de fotografia d'estoc",
        "product",
        "licence",
        "45.00",
        "28.00",
        21,
    ),
    (
        "Impressió i llicències",
        "PD-LIC-02",
        "Llicència anual de tipografia",
        "product",
        "licence",
        "220.00",
        "160.00",
        21,
    ),
    ("Impressió i llicències", "PD-IMP-01", "Catàleg imprès (unitat)", "product", "unit", "4.20", "2.10", 21),
    ("Impressió i llicències", "PD-IMP-02", "Targetes de visita (500 u.)", "product", "unit", "60.00", "31.00", 21),
    (
        "Impressió i llicències",
        "PD-IMP-03",
        "Targetes de visita de paper reciclat (500 u.)",
        "product",
        "unit",
        "75.00",
        "38.00",
        21,
    ),
    ("Impressió i llicències", "PD-LLI-01", "Llibre «Màrqueting per a pimes»", "product", "unit", "24.00", "11.00", 4),
]
PORTA_OBSOLETE = {"PD-SEO-01": "PD-SEO-03", "PD-IMP-02": "PD-IMP-03"}

NORDWIND = [
    ("Rodamientos", "NW-ROD-6204", "Rodamiento rígido de bolas 6204-2RS", "product", "unit", "6.80", "3.90", 21),
    ("Rodamientos", "NW-ROD-6205", "Rodamiento rígido de bolas 6205-2RS", "product", "unit", "8.40", "4.80", 21),
    ("Rodamientos", "NW-ROD-6206", "Rodamiento rígido de bolas 6206-2RS", "product", "unit", "9.60", "5.50", 21),
    ("Rodamientos", "NW-ROD-UCP205", "Soporte de pie UCP205", "product", "unit", "24.50", "14.20", 21),
    ("Rodamientos", "NW-ROD-22210", "Rodamiento de rodillos a rótula 22210", "product", "unit", "68.00", "41.00", 21),
    ("Transmisión", "NW-TRA-C08B", "Cadena de rodillos 08B-1", "product", "metre", "9.90", "5.60", 21),
    ("Transmisión", "NW-TRA-PIN15", "Piñón 08B-1 de 15 dientes", "product", "unit", "12.40", "6.90", 21),
    ("Transmisión", "NW-TRA-SPA125", "Polea trapecial SPA 125", "product", "unit", "34.00", "19.50", 21),
    ("Transmisión", "NW-TRA-SPA1250", "Correa trapecial SPA 1250", "product", "unit", "14.60", "7.90", 21),
    ("Transmisión", "NW-TRA-ACM", "Acoplamiento elástico de mordazas", "product", "unit", "27.80", "15.40", 21),
    ("Neumática", "NW-NEU-CIL50", "Cilindro neumático ISO 15552 Ø50", "product", "unit", "118.00", "72.00", 21),
    ("Neumática", "NW-NEU-EV52", "Electroválvula 5/2 G1/4 24 V DC", "product", "unit", "64.00", "38.00", 21),
    (
        "Neumática",
        "NW-NEU-EV52B",
        "Electroválvula 5/2 G1/4 24 V DC de bajo consumo",
        "product",
        "unit",
        "69.00",
        "40.00",
        21,
    ),
    ("Neumática", "NW-NEU-RAC8", "Racor rápido recto 8 mm (bolsa de 10)", "product", "unit", "11.50", "5.80", 21),
    ("Neumática", "NW-NEU-TUB8", "Tubo de poliuretano 8 mm", "product", "metre", "1.35", "0.62", 21),
    ("Sensores", "NW-SEN-IND12", "Sensor inductivo M12 PNP", "product", "unit", "29.00", "16.50", 21),
    ("Sensores", "NW-SEN-IND12L", "Sensor inductivo M12 PNP IO-Link", "product", "unit", "34.00", "19.00", 21),
    ("Sensores", "NW-SEN-FOT18", "Fotocélula réflex M18", "product", "unit", "46.00", "27.00", 21),
    ("Sensores", "NW-SEN-ENC1024", "Encoder incremental 1024 ppr", "product", "unit", "145.00", "92.00", 21),
    (
        "Servicios y consumibles",
        "NW-LUB-GR400",
        "Grasa de litio EP2 (cartucho 400 g)",
        "product",
        "unit",
        "7.90",
        "3.80",
        21,
    ),
    (
        "Servicios y consumibles",
        "NW-LUB-HLP46",
        "Aceite hidráulico HLP 46 (garrafa de 5 l)",
        "product",
        "unit",
        "32.00",
        "18.00",
        21,
    ),
    (
        "Servicios y consumibles",
        "NW-DOC-NEU",
        "Manual técnico de neumática (libro)",
        "product",
        "unit",
        "38.00",
        "21.00",
        4,
    ),
    ("Servicios y consumibles", "NW-SRV-MONT", "Montaje e instalación", "service", "hour", "48.00", "26.00", 21),
    (
        "Servicios y consumibles",
        "NW-SRV-MANT",
        "Contrato de mantenimiento preventivo",
        "service",
        "month",
        "390.00",
        "210.00",
        21,
    ),
    ("Servicios y consumibles", "NW-SRV-FORM", "Formación técnica en planta", "service", "day", "520.00", "260.00", 21),
    ("Servicios y consumibles", "NW-SRV-URG", "Envío urgente 24 h", "service", "unit", "18.00", "12.00", 21),
]
NORDWIND_OBSOLETE = {"NW-NEU-EV52": "NW-NEU-EV52B", "NW-SEN-IND12": "NW-SEN-IND12L"}

CATALOGUES = {"porta": (PORTA, PORTA_OBSOLETE), "nordwind": (NORDWIND, NORDWIND_OBSOLETE)}


def seed_catalog(organization: Organization, memberships: dict[str, Membership], rng: Random) -> dict[str, int] | None:
    """Give a demo organisation its catalogue. Nothing happens, and None comes back, when it has
    products already (the seed is idempotent). Runs inside the caller's transaction and tenant
    scope; the admin keeps the catalogue, finance sets the prices."""
    if Product.objects.filter(organization=organization).exists():
        return None
    services.tax_rates_ensure_defaults(organization)
    rows, obsolete = CATALOGUES.get(
        organization.slug,
        (PORTA, PORTA_OBSOLETE) if organization.default_language == "ca" else (NORDWIND, NORDWIND_OBSOLETE),
    )
    admin, finance = memberships["admin"], memberships["finance"]
    rates = {
        int(rate.rate): rate
        for rate in TaxRate.objects.filter(organization=organization, is_active=True, is_exempt=False)
    }
    categories, products = {}, {}
    for category, sku, name, kind, unit, price, cost, vat in rows:
        if category not in categories:
            categories[category] = services.category_create(organization=organization, actor=admin, name=category)
        products[sku] = services.product_create(
            organization=organization,
            actor=admin,
            sku=sku,
            name=name,
            kind=kind,
            unit=unit,
            category=categories[category],
            tax_rate=rates[vat],
        )
        services.product_price_set(
            organization=organization,
            actor=finance,
            product=products[sku],
            currency="EUR",
            list_price=Decimal(price),
            unit_cost=Decimal(cost),
        )
    today = timezone.localdate()
    for old, new in obsolete.items():
        services.product_make_obsolete(
            organization=organization,
            actor=admin,
            product=products[old],
            replaced_by=products[new],
            obsolete_on=today - timedelta(days=rng.randint(30, 300)),
        )
    return {"categories": len(categories), "products": len(products)}
