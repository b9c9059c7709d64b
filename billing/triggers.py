"""SQL that one database vendor runs and the others skip: the migration operation billing's
triggers are installed with (billing/migrations/0003_freeze_issued_documents.py).

    VendorSQL(forwards={"postgresql": [...], "sqlite": [...]}, backwards={...})

Like tenancy.rls.EnableTenantRLS, it asks `schema_editor.connection.vendor`: PostgreSQL (the
product, the tests) and SQLite (the embedded default of `make run`) each get their own dialect,
so what is frozen is frozen on both. A vendor with no SQL given runs nothing.
"""

from __future__ import annotations

from django.db import migrations


class VendorSQL(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, *, forwards: dict[str, list[str]], backwards: dict[str, list[str]], name: str = "") -> None:
        self.forwards = forwards
        self.backwards = backwards
        self.name = name

    def deconstruct(self):
        kwargs = {"forwards": self.forwards, "backwards": self.backwards}
        if self.name:
            kwargs["name"] = self.name
        return (self.__class__.__name__, [], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, statements: dict[str, list[str]]) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.forwards)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.backwards)

    def describe(self):
        return f"Vendor-specific SQL{': ' + self.name if self.name else ''}"

    @property
    def migration_name_fragment(self):
        return self.name or "vendor_sql"
