from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = _("Tenancy")

    def ready(self) -> None:
        from tenancy import schema  # noqa: F401  (registers the OpenAPI authentication schemes)


# Django 6's blank choice label has no Catalan and an empty Spanish translation in Django's own
# catalogues; marking it here puts it in ours (LOCALE_PATHS are searched first).
gettext_noop("- Select an option -")
