"""Version 1 of the risk policy for the organisations that existed before new ones got it when
created (billing.services_risk.risk_policy_ensure_default: the same defaults, the fields' own,
and the same rule: an organisation that has a version is left as it is)."""

from django.db import migrations


def add_default_risk_policies(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    RiskPolicy = apps.get_model("billing", "RiskPolicy")
    connection = schema_editor.connection
    # Through the connection that migrates (the owner's when `migrate --database owner`), where
    # the setting below is: see catalog/migrations/0004_default_tax_rates.py.
    db = connection.alias
    for organization in Organization.objects.using(db).order_by("pk"):
        if connection.vendor == "postgresql":
            # Row-level security binds the owner too (forced): work as this organisation.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization.pk)])
        if not RiskPolicy.objects.using(db).filter(organization=organization).exists():
            RiskPolicy.objects.using(db).create(organization=organization, version=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organization_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_risk_policy")]

    operations = [migrations.RunPython(add_default_risk_policies, migrations.RunPython.noop)]
