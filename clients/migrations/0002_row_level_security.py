from django.db import migrations

from tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [EnableTenantRLS("client"), EnableTenantRLS("contact")]
