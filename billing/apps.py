from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    # seed_demo calls it for each demo organisation, after catalog's (INSTALLED_APPS order).
    demo_seed = "billing.demo.seed_billing"

    # accounts.selectors.with_account_summaries calls it for the portfolio's and the account
    # page's accounts: each one's balance, overdue amount and oldest overdue invoice.
    account_summary = "billing.selectors.account_billing_summary"
    # tenancy calls it for each new organisation, inside its tenant scope: version 1 of the
    # risk policy.
    organization_setup = "billing.services_risk.risk_policy_ensure_default"

    def ready(self) -> None:
        from billing.exports import credit_note_rows, invoice_rows
        from billing.exports_payments import payment_rows
        from billing.exports_receivables import receivables_rows
        from billing.exports_statements import statement_list_rows
        from tenancy.exports import register_export
        from tenancy.selectors import register_audit_actions

        register_export("invoices", invoice_rows, _("Invoices"), "invoices")
        register_export("credit_notes", credit_note_rows, _("Credit notes"), "credit_notes")
        register_export("payments", payment_rows, _("Payments"), "payments")
        register_export("receivables", receivables_rows, _("Receivables"), "receivables")
        register_export("statements", statement_list_rows, _("Statements"), "statements")
        register_audit_actions(
            {
                "invoice.create": _("created the draft invoice"),
                "invoice.update": _("changed the draft invoice"),
                "invoice.line_add": _("added a line to the draft invoice"),
                "invoice.line_update": _("changed a line of the draft invoice"),
                "invoice.line_remove": _("removed a line from the draft invoice"),
                "invoice.delete": _("deleted the draft invoice"),
                "invoice.issue": _("issued the invoice"),
                "creditnote.create": _("issued the credit note"),
                "payment.create": _("recorded the payment"),
                "payment.allocate": _("allocated the payment"),
                "payment.reverse": _("reversed the payment"),
                "settings.billing": _("changed the billing settings"),
                "risk_policy.create": _("set the first version of the risk policy"),
                "risk_policy.update": _("saved a new version of the risk policy"),
            }
        )
