from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    # seed_demo calls it for each demo organisation (clients, accounts, a year of work).
    demo_seed = "accounts.demo.seed_portfolio"

    def ready(self) -> None:
        from accounts.exports import incident_rows, portfolio_rows
        from accounts.models import AccountRole
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_codes

        register_export("portfolio", portfolio_rows, _("Portfolio"), "portfolio")
        register_export("incidents", incident_rows, _("Incidents"), "incidents")
        register_audit_codes("account_role", AccountRole)
