from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    # accounts.selectors.with_account_summaries calls it for the portfolio's and the account
    # page's accounts: each one's balance, overdue amount and oldest overdue invoice.
    account_summary = "billing.selectors.account_billing_summary"

    def ready(self) -> None:
        from billing.exports_receivables import receivables_rows
        from tenancy.exports import register_export

        register_export("receivables", receivables_rows, _("Receivables"), "receivables")
