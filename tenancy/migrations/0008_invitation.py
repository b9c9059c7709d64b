import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from tenancy.rls import EnableTenantRLS

# The invited person may read their own invitations before they belong to the organisation
# (to answer them); writes still need the organisation. See tenancy.scope.user_scope.
OWN_INVITATIONS = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"


class Migration(migrations.Migration):
    """Invitations of people who already have an AccountDesk account: tenant-owned, with
    row-level security like every tenant table."""

    dependencies = [
        ("tenancy", "0007_membership_reactivated_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Invitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("is_admin", models.BooleanField(default=False, verbose_name="admin")),
                ("is_sales_lead", models.BooleanField(default=False, verbose_name="sales lead")),
                ("is_account_executive", models.BooleanField(default=False, verbose_name="account executive")),
                ("is_finance", models.BooleanField(default=False, verbose_name="finance")),
                ("email", models.EmailField(max_length=254, verbose_name="email")),
                ("full_name", models.CharField(max_length=150, verbose_name="full name")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.organization",
                        verbose_name="organisation",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
            ],
            options={
                "verbose_name": "invitation",
                "verbose_name_plural": "invitations",
                "ordering": ["email"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "user"),
                        name="invitation_org_user_unique",
                        violation_error_message="This person has been invited already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_admin", True),
                            ("is_sales_lead", True),
                            ("is_account_executive", True),
                            ("is_finance", True),
                            _connector="OR",
                        ),
                        name="invitation_has_a_role",
                        violation_error_message="A person needs at least one role.",
                    ),
                ],
            },
        ),
        EnableTenantRLS("invitation", extra_using=OWN_INVITATIONS),
    ]
