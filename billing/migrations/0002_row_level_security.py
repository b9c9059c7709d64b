from django.db import migrations

from tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        EnableTenantRLS("billingsettings"),
        EnableTenantRLS("numberseries"),
        EnableTenantRLS("invoice"),
        EnableTenantRLS("invoiceline"),
        EnableTenantRLS("creditnote"),
        EnableTenantRLS("creditnoteline"),
        EnableTenantRLS("payment"),
        EnableTenantRLS("allocation"),
        EnableTenantRLS("ledgerentry"),
    ]
