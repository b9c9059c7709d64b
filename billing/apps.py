from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing.exports_statements import statement_list_rows
        from tenancy.exports import register_export

        register_export("statements", statement_list_rows, _("Statements"), "statements")
