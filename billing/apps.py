from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    # accounts.selectors.with_account_summaries calls it for the portfolio's and the account
    # page's accounts: each one's balance, overdue amount and oldest overdue invoice.
    account_summary = "billing.selectors.account_billing_summary"

    def ready(self) -> None:
        from billing.exports_payments import payment_rows
        from billing.exports_receivables import receivables_rows
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_actions

        register_export("payments", payment_rows, _("Payments"), "payments")
        register_export("receivables", receivables_rows, _("Receivables"), "receivables")
        register_audit_actions(
            {
                "payment.create": _("recorded the payment"),
                "payment.allocate": _("allocated the payment"),
                "payment.reverse": _("reversed the payment"),
            }
        )
