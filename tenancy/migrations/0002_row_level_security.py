from django.db import migrations

from tenancy.rls import EnableTenantRLS, GrantAppRole

# A person may read their own memberships across organisations (to choose one);
# writes still need the organisation. See tenancy.scope.user_scope.
OWN_MEMBERSHIPS = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_initial"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        GrantAppRole(),
        EnableTenantRLS("membership", extra_using=OWN_MEMBERSHIPS),
        EnableTenantRLS("team"),
        EnableTenantRLS("teammember"),
        EnableTenantRLS("apitoken"),
        EnableTenantRLS("auditevent"),
    ]
