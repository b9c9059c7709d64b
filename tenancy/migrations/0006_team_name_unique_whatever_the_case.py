import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    """A team's name is unique in its organisation whatever its case: the constraint decides
    (the service checked with iexact before a case-sensitive constraint: a race). The people's
    and memberships' constraints get the messages they refuse with (no change in the database)."""

    dependencies = [
        ("tenancy", "0005_apitoken_scope"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="team",
            name="team_org_name_unique",
        ),
        migrations.AddConstraint(
            model_name="team",
            constraint=models.UniqueConstraint(
                models.F("organization"),
                django.db.models.functions.text.Lower("name"),
                name="team_org_name_ci_unique",
                violation_error_message="A team with this name already exists.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="user",
            name="user_email_ci_unique",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="Someone has just been added with this email: try again.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membership",
            name="membership_has_a_role",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_admin", True),
                    ("is_sales_lead", True),
                    ("is_account_executive", True),
                    ("is_finance", True),
                    _connector="OR",
                ),
                name="membership_has_a_role",
                violation_error_message="A person needs at least one role.",
            ),
        ),
    ]
