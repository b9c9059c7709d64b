"""The totals' check rounded to the cent (billing.models._totals_add_up): on SQLite a sum of two
amounts of cents is a float that often misses the total by its last bit.

On SQLite, changing a check constraint rebuilds the table: the rebuild drops the table's
triggers, and SQLite refuses to rename the new table while the invoice lines' triggers name it.
The freeze (0003) is taken off before the rebuilds and put back after them, both ways."""

from importlib import import_module

import django.db.models.expressions
import django.db.models.functions.math
from django.db import migrations, models

from billing.triggers import VendorSQL

freeze = import_module("billing.migrations.0003_freeze_issued_documents")


def _totals_add_up(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(
            (
                "total",
                django.db.models.functions.math.Round(
                    django.db.models.expressions.CombinedExpression(models.F("net_total"), "+", models.F("tax_total")),
                    2,
                ),
            ),
            ("net_total__gte", 0),
            ("tax_total__gte", 0),
        ),
        name=f"{prefix}_totals_add_up",
        violation_error_message="The total is the net amount plus the tax.",
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_freeze_issued_documents")]

    operations = [
        # SQLite will not rename a rebuilt table that another table's trigger names: off first.
        VendorSQL(
            name="unfreeze_for_sqlite_rebuilds",
            forwards={"sqlite": freeze.SQLITE_BACKWARDS},
            backwards={"sqlite": freeze.SQLITE},
        ),
        migrations.RemoveConstraint(model_name="creditnote", name="creditnote_totals_add_up"),
        migrations.RemoveConstraint(model_name="invoice", name="invoice_totals_add_up"),
        migrations.AddConstraint(model_name="creditnote", constraint=_totals_add_up("creditnote")),
        migrations.AddConstraint(model_name="invoice", constraint=_totals_add_up("invoice")),
        VendorSQL(
            name="freeze_again_after_sqlite_rebuilds",
            forwards={"sqlite": freeze.SQLITE},
            backwards={"sqlite": freeze.SQLITE_BACKWARDS},
        ),
    ]
