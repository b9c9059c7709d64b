from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from clients.exports import client_rows
        from tenancy.exports import register_export

        register_export("clients", client_rows, _("Clients"), "clients")
