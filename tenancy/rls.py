"""Row-level security for tenant tables: the migration operation every app reuses.

    from tenancy.rls import EnableTenantRLS
    operations = [..., EnableTenantRLS("client")]

On PostgreSQL it enables and *forces* row-level security on the model's table (so
the owner is bound too), creates the tenant policy and grants the application role
what it needs. On other databases it does nothing: SQLite has no such layer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import migrations

TENANT_PREDICATE = "organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint"
# The Django admin's superuser-only scope; see tenancy.scope.cross_tenant_scope_dangerously.
CROSS_TENANT_PREDICATE = "current_setting('app.cross_tenant', true) = 'on'"
POLICY_NAME = "tenant_isolation"


def app_role_exists(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [settings.ACCOUNTDESK_APP_ROLE])
        return cursor.fetchone() is not None


def grant_app_role(schema_editor, table: str) -> None:
    if not app_role_exists(schema_editor):
        return
    role = schema_editor.quote_name(settings.ACCOUNTDESK_APP_ROLE)
    schema_editor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {schema_editor.quote_name(table)} TO {role}")


class EnableTenantRLS(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, extra_using: str = "") -> None:
        self.model_name = model_name
        self.extra_using = extra_using

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.extra_using:
            kwargs["extra_using"] = self.extra_using
        return (self.__class__.__name__, [], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, to_state) -> str:
        return to_state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, to_state))
        using = f"({TENANT_PREDICATE}) OR ({CROSS_TENANT_PREDICATE})"
        if self.extra_using:
            read_using = f"{using} OR ({self.extra_using})"
        else:
            read_using = using
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        # Reads may be widened (a person's own memberships); writes never are.
        schema_editor.execute(f"CREATE POLICY {POLICY_NAME} ON {table} USING ({read_using}) WITH CHECK ({using})")
        grant_app_role(schema_editor, self._table(app_label, to_state))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable and force row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name.lower()}"


class GrantAppRole(migrations.operations.base.Operation):
    """Grant the application role the tables and sequences that exist now (Django's own too)."""

    reversible = True
    reduces_to_sql = True

    def deconstruct(self):
        return (self.__class__.__name__, [], {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql" or not app_role_exists(schema_editor):
            return
        role = schema_editor.quote_name(settings.ACCOUNTDESK_APP_ROLE)
        schema_editor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        schema_editor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return "Grant the application role the existing tables and sequences"
