"""What is issued stays as issued, whatever route a change takes (a service, the admin, SQL):
triggers on PostgreSQL and on SQLite (the embedded default) refuse

- any UPDATE of an issued invoice (the one UPDATE from draft to issued passes: OLD is a draft),
  and the DELETE of one;
- INSERT, UPDATE and DELETE of the lines of an issued invoice (on PostgreSQL the invoice row is
  locked FOR SHARE before its status is read, so a line written while the invoice is being
  issued waits for the issue and is then refused);
- UPDATE and DELETE of credit notes, their lines and ledger entries;
- any change to a payment but setting its reversal, once; its DELETE;
- any change to an allocation but ending it, once; its DELETE.

The refusals are IntegrityErrors with a sentence for people (SQLSTATE 23001 on PostgreSQL,
RAISE(ABORT) on SQLite). TRUNCATE (the test suite's flush) fires no row trigger.
"""

from django.db import migrations

from billing.triggers import VendorSQL

INVOICE_CHANGED = "An issued invoice cannot be changed: correct it with a credit note."
INVOICE_DELETED = "An issued invoice cannot be deleted: correct it with a credit note."
CREDIT_NOTE = "A credit note cannot be changed or deleted: issue another one."
LEDGER = "Ledger entries cannot be changed or deleted: post a correcting document."
PAYMENT_DELETED = "A payment cannot be deleted: reverse it."
PAYMENT_REVERSED = "This payment has been reversed already."
PAYMENT_CHANGED = "A payment cannot be changed, only reversed."
ALLOCATION_DELETED = "An allocation cannot be deleted: reverse its payment or credit its invoice."
ALLOCATION_ENDED = "This allocation has ended already."
ALLOCATION_CHANGED = "An allocation cannot be changed, only ended."

PAYMENT_REVERSAL_COLUMNS = "ARRAY['reversed_on', 'reversal_reason', 'reversed_by_id', 'reversed_at']"
ALLOCATION_END_COLUMNS = "ARRAY['reversed_at', 'reversed_on', 'reversal', 'credit_note_id']"


def _pg_raise(message: str) -> str:
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';"


POSTGRESQL = [
    f"""
    CREATE FUNCTION billing_invoice_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'issued' THEN
            IF TG_OP = 'DELETE' THEN
                {_pg_raise(INVOICE_DELETED)}
            END IF;
            {_pg_raise(INVOICE_CHANGED)}
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_frozen()
    """,
    f"""
    CREATE FUNCTION billing_invoiceline_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        invoice_ids bigint[];
        invoice_status text;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            invoice_ids := ARRAY[NEW.invoice_id];
        ELSIF TG_OP = 'UPDATE' THEN
            invoice_ids := ARRAY[OLD.invoice_id, NEW.invoice_id];
        ELSE
            invoice_ids := ARRAY[OLD.invoice_id];
        END IF;
        -- Locked by id, its status read after the lock: an issue in progress is waited for.
        FOR invoice_status IN SELECT status FROM billing_invoice WHERE id = ANY(invoice_ids) FOR SHARE LOOP
            IF invoice_status = 'issued' THEN
                {_pg_raise(INVOICE_CHANGED)}
            END IF;
        END LOOP;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_frozen()
    """,
    f"""
    CREATE FUNCTION billing_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    f"""
    CREATE TRIGGER billing_creditnote_frozen BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_refuse('{CREDIT_NOTE}')
    """,
    f"""
    CREATE TRIGGER billing_creditnoteline_frozen BEFORE UPDATE OR DELETE ON billing_creditnoteline
    FOR EACH ROW EXECUTE FUNCTION billing_refuse('{CREDIT_NOTE}')
    """,
    f"""
    CREATE TRIGGER billing_ledgerentry_frozen BEFORE UPDATE OR DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_refuse('{LEDGER}')
    """,
    f"""
    CREATE FUNCTION billing_payment_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_pg_raise(PAYMENT_DELETED)}
        END IF;
        IF OLD.reversed_on IS NOT NULL THEN
            {_pg_raise(PAYMENT_REVERSED)}
        END IF;
        IF NEW.reversed_on IS NULL
            OR (to_jsonb(NEW) - {PAYMENT_REVERSAL_COLUMNS}) IS DISTINCT FROM (to_jsonb(OLD) - {PAYMENT_REVERSAL_COLUMNS})
        THEN
            {_pg_raise(PAYMENT_CHANGED)}
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_payment_frozen BEFORE UPDATE OR DELETE ON billing_payment
    FOR EACH ROW EXECUTE FUNCTION billing_payment_frozen()
    """,
    f"""
    CREATE FUNCTION billing_allocation_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_pg_raise(ALLOCATION_DELETED)}
        END IF;
        IF OLD.reversed_at IS NOT NULL THEN
            {_pg_raise(ALLOCATION_ENDED)}
        END IF;
        IF NEW.reversed_at IS NULL
            OR (to_jsonb(NEW) - {ALLOCATION_END_COLUMNS}) IS DISTINCT FROM (to_jsonb(OLD) - {ALLOCATION_END_COLUMNS})
        THEN
            {_pg_raise(ALLOCATION_CHANGED)}
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_allocation_frozen BEFORE UPDATE OR DELETE ON billing_allocation
    FOR EACH ROW EXECUTE FUNCTION billing_allocation_frozen()
    """,
]

POSTGRESQL_BACKWARDS = [
    "DROP TRIGGER IF EXISTS billing_allocation_frozen ON billing_allocation",
    "DROP FUNCTION IF EXISTS billing_allocation_frozen()",
    "DROP TRIGGER IF EXISTS billing_payment_frozen ON billing_payment",
    "DROP FUNCTION IF EXISTS billing_payment_frozen()",
    "DROP TRIGGER IF EXISTS billing_ledgerentry_frozen ON billing_ledgerentry",
    "DROP TRIGGER IF EXISTS billing_creditnoteline_frozen ON billing_creditnoteline",
    "DROP TRIGGER IF EXISTS billing_creditnote_frozen ON billing_creditnote",
    "DROP FUNCTION IF EXISTS billing_refuse()",
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_invoiceline_frozen()",
    "DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_frozen()",
]


def _sqlite_refuse(name: str, event: str, table: str, message: str, when: str = "") -> str:
    condition = f" WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def _issued(invoice_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM billing_invoice WHERE id = {invoice_id} AND status = 'issued')"


def _any_changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


PAYMENT_COLUMNS = [
    "id",
    "organization_id",
    "account_id",
    "currency",
    "amount",
    "received_on",
    "method",
    "reference",
    "rate_to_base",
    "recorded_by_id",
    "created_at",
]
ALLOCATION_COLUMNS = ["id", "organization_id", "payment_id", "invoice_id", "amount", "allocated_on", "created_by_id", "created_at"]

SQLITE = [
    _sqlite_refuse("billing_invoice_frozen_update", "UPDATE", "billing_invoice", INVOICE_CHANGED, "OLD.status = 'issued'"),
    _sqlite_refuse("billing_invoice_frozen_delete", "DELETE", "billing_invoice", INVOICE_DELETED, "OLD.status = 'issued'"),
    _sqlite_refuse(
        "billing_invoiceline_frozen_insert", "INSERT", "billing_invoiceline", INVOICE_CHANGED, _issued("NEW.invoice_id")
    ),
    _sqlite_refuse(
        "billing_invoiceline_frozen_update",
        "UPDATE",
        "billing_invoiceline",
        INVOICE_CHANGED,
        f"{_issued('OLD.invoice_id')} OR {_issued('NEW.invoice_id')}",
    ),
    _sqlite_refuse(
        "billing_invoiceline_frozen_delete", "DELETE", "billing_invoiceline", INVOICE_CHANGED, _issued("OLD.invoice_id")
    ),
    _sqlite_refuse("billing_creditnote_frozen_update", "UPDATE", "billing_creditnote", CREDIT_NOTE),
    _sqlite_refuse("billing_creditnote_frozen_delete", "DELETE", "billing_creditnote", CREDIT_NOTE),
    _sqlite_refuse("billing_creditnoteline_frozen_update", "UPDATE", "billing_creditnoteline", CREDIT_NOTE),
    _sqlite_refuse("billing_creditnoteline_frozen_delete", "DELETE", "billing_creditnoteline", CREDIT_NOTE),
    _sqlite_refuse("billing_ledgerentry_frozen_update", "UPDATE", "billing_ledgerentry", LEDGER),
    _sqlite_refuse("billing_ledgerentry_frozen_delete", "DELETE", "billing_ledgerentry", LEDGER),
    _sqlite_refuse("billing_payment_frozen_delete", "DELETE", "billing_payment", PAYMENT_DELETED),
    "CREATE TRIGGER billing_payment_frozen_update BEFORE UPDATE ON billing_payment FOR EACH ROW BEGIN "
    f"SELECT RAISE(ABORT, '{PAYMENT_REVERSED}') WHERE OLD.reversed_on IS NOT NULL; "
    f"SELECT RAISE(ABORT, '{PAYMENT_CHANGED}') WHERE NEW.reversed_on IS NULL OR {_any_changed(PAYMENT_COLUMNS)}; "
    "END",
    _sqlite_refuse("billing_allocation_frozen_delete", "DELETE", "billing_allocation", ALLOCATION_DELETED),
    "CREATE TRIGGER billing_allocation_frozen_update BEFORE UPDATE ON billing_allocation FOR EACH ROW BEGIN "
    f"SELECT RAISE(ABORT, '{ALLOCATION_ENDED}') WHERE OLD.reversed_at IS NOT NULL; "
    f"SELECT RAISE(ABORT, '{ALLOCATION_CHANGED}') WHERE NEW.reversed_at IS NULL OR {_any_changed(ALLOCATION_COLUMNS)}; "
    "END",
]

SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "billing_invoice_frozen_update",
        "billing_invoice_frozen_delete",
        "billing_invoiceline_frozen_insert",
        "billing_invoiceline_frozen_update",
        "billing_invoiceline_frozen_delete",
        "billing_creditnote_frozen_update",
        "billing_creditnote_frozen_delete",
        "billing_creditnoteline_frozen_update",
        "billing_creditnoteline_frozen_delete",
        "billing_ledgerentry_frozen_update",
        "billing_ledgerentry_frozen_delete",
        "billing_payment_frozen_delete",
        "billing_payment_frozen_update",
        "billing_allocation_frozen_delete",
        "billing_allocation_frozen_update",
    )
]


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_row_level_security")]

    operations = [
        VendorSQL(
            name="freeze_issued_documents",
            forwards={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            backwards={"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS},
        )
    ]
