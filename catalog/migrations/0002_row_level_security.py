from django.db import migrations

from tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        EnableTenantRLS("taxrate"),
        EnableTenantRLS("category"),
        EnableTenantRLS("product"),
        EnableTenantRLS("productprice"),
    ]
