from django.db import migrations

from tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial")]

    operations = [
        EnableTenantRLS("offersettings"),
        EnableTenantRLS("offerseries"),
        EnableTenantRLS("offer"),
        EnableTenantRLS("offerrevision"),
        EnableTenantRLS("offerline"),
        EnableTenantRLS("offerapproval"),
    ]
