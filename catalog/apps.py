from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalogue")
    # seed_demo calls it for each demo organisation, after accounts' (INSTALLED_APPS order).
    demo_seed = "catalog.demo.seed_catalog"
    # tenancy calls it for each new organisation, inside its tenant scope: the VAT rates.
    organization_setup = "catalog.services.tax_rates_ensure_defaults"

    def ready(self) -> None:
        from catalog.exports import product_rows
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_actions

        register_export("products", product_rows, _("Catalogue"), "products")
        register_audit_actions(
            {
                "product.create": _("added the product"),
                "product.update": _("changed the product"),
                "product.make_obsolete": _("made the product obsolete"),
                "product.reactivate": _("sold the product again"),
                "product_price.set": _("set a price"),
            }
        )
