from django.db import migrations

from tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [
        EnableTenantRLS("account"),
        EnableTenantRLS("accountteammember"),
        EnableTenantRLS("objective"),
        EnableTenantRLS("objectiveactual"),
        EnableTenantRLS("activity"),
        EnableTenantRLS("activitycontact"),
        EnableTenantRLS("incident"),
        EnableTenantRLS("portfoliosettings"),
    ]
