"""The Spanish VAT rates for the organisations that existed before new ones got them when
created (catalog.services.tax_rates_ensure_defaults, the same rates and the same rule: a rate
an organisation has, by rate or by name, is left as it is)."""

from django.db import migrations

from catalog.tax_defaults import default_tax_rates


def add_default_tax_rates(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    TaxRate = apps.get_model("catalog", "TaxRate")
    connection = schema_editor.connection
    # Through the connection that migrates (the owner's when `migrate --database owner`), where
    # the setting below is: a model's manager alone would write through `default`, another
    # role's connection and transaction, which row-level security refuses.
    db = connection.alias
    for organization in Organization.objects.using(db).order_by("pk"):
        if connection.vendor == "postgresql":
            # Row-level security binds the owner too (forced): work as this organisation, for
            # the rest of this migration's transaction.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization.pk)])
        rates = TaxRate.objects.using(db).filter(organization=organization)
        present = set(rates.values_list("rate", "is_exempt"))
        names = {name.lower() for name in rates.values_list("name", flat=True)}
        for values in default_tax_rates(organization.default_language):
            if (values["rate"], values["is_exempt"]) in present or values["name"].lower() in names:
                continue
            TaxRate.objects.using(db).create(organization=organization, **values)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organization_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_refinements"), ("tenancy", "0008_invitation")]

    operations = [migrations.RunPython(add_default_tax_rates, migrations.RunPython.noop)]
