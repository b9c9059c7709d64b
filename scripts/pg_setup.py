"""`make db`: create, idempotently, the roles and database AccountDesk uses on PostgreSQL.

- accountdesk_owner: owns the database and its tables, runs migrations (may create databases,
  for the test suite's own database).
- accountdesk_app: what the web and the workers connect as. Not superuser, not owner, no
  BYPASSRLS, so row-level security binds it.

Connects as PG_ADMIN_URL (default: the local superuser `postgres`). Usage:
    python scripts/pg_setup.py [database ...]     (default: accountdesk)
"""

from __future__ import annotations

import os
import sys

import psycopg2
from psycopg2 import sql

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OWNER = os.environ.get("ACCOUNTDESK_OWNER_ROLE", "accountdesk_owner")
APP = os.environ.get("ACCOUNTDESK_APP_ROLE", "accountdesk_app")
OWNER_PASSWORD = os.environ.get("ACCOUNTDESK_OWNER_PASSWORD", "accountdesk_owner")
APP_PASSWORD = os.environ.get("ACCOUNTDESK_APP_PASSWORD", "accountdesk_app")


def connect(dbname: str | None = None):
    url = ADMIN_URL
    conn = psycopg2.connect(url, **({"dbname": dbname} if dbname else {}))
    conn.autocommit = True
    return conn


def ensure_roles(cur) -> None:
    for role, password, options in [
        (OWNER, OWNER_PASSWORD, sql.SQL("LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS")),
        (APP, APP_PASSWORD, sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")),
    ]:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cur.fetchone() else "CREATE"
        cur.execute(
            sql.SQL("{} ROLE {} ").format(sql.SQL(verb), sql.Identifier(role))
            + options
            + sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        )


def prepare_database(dbname: str, *, test: bool = False) -> None:
    """Privileges inside a database: the app role gets rows, never DDL; default privileges
    cover every table the owner creates later. `test` adds TRUNCATE, which only the test
    suite's flush between browser tests needs."""
    conn = connect(dbname)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(APP)))
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(APP)))
        cur.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        table_privileges = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE" if test else "SELECT, INSERT, UPDATE, DELETE"
        cur.execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT " + table_privileges + " ON TABLES TO {}"
            ).format(sql.Identifier(OWNER), sql.Identifier(APP))
        )
        cur.execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(sql.Identifier(OWNER), sql.Identifier(APP))
        )
    conn.close()


def ensure_database(cur, dbname: str) -> None:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
    if not cur.fetchone():
        cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(OWNER)))
    prepare_database(dbname)


def main(databases: list[str]) -> None:
    conn = connect()
    with conn.cursor() as cur:
        ensure_roles(cur)
        for dbname in databases:
            ensure_database(cur, dbname)
    conn.close()
    print(f"PostgreSQL ready: roles {OWNER} (owner) and {APP} (application), databases {', '.join(databases)}.")
    for dbname in databases:
        print(f"  DATABASE_URL=postgres://{APP}:{APP_PASSWORD}@127.0.0.1:5432/{dbname}")
        print(f"  DATABASE_OWNER_URL=postgres://{OWNER}:{OWNER_PASSWORD}@127.0.0.1:5432/{dbname}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:] or ["accountdesk"])
    except psycopg2.OperationalError as exc:
        sys.exit(
            f"Cannot reach PostgreSQL as {ADMIN_URL}: {exc}\nStart it (e.g. pg_ctlcluster 15 main start) or set PG_ADMIN_URL."
        )
