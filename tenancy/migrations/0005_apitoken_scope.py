from django.db import migrations, models


class Migration(migrations.Migration):
    """API tokens get a scope, chosen when made. Tokens made before could write: they keep it."""

    dependencies = [
        ("tenancy", "0004_export_one_at_a_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "Read only"), ("read_write", "Read and write")],
                default="read_write",
                max_length=10,
                verbose_name="scope",
            ),
        ),
    ]
