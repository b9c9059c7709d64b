from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    # seed_demo calls it for each demo organisation, after catalog's (INSTALLED_APPS order).
    demo_seed = "billing.demo.seed_billing"
