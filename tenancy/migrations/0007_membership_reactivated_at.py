from django.db import migrations, models


class Migration(migrations.Migration):
    """When a membership was last reactivated: sessions signed in before then do not count."""

    dependencies = [
        ("tenancy", "0006_team_name_unique_whatever_the_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="reactivated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
