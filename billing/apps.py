from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing.exports_payments import payment_rows
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_actions

        register_export("payments", payment_rows, _("Payments"), "payments")
        register_audit_actions(
            {
                "payment.create": _("recorded the payment"),
                "payment.allocate": _("allocated the payment"),
                "payment.reverse": _("reversed the payment"),
            }
        )
