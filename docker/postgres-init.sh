#!/usr/bin/env bash
# Run once by the official postgres image (/docker-entrypoint-initdb.d/) when its data volume
# is empty, as the superuser POSTGRES_USER. The container equivalent of scripts/pg_setup.py
# (`make db`):
#
# - accountdesk_owner owns the database and its tables and runs the migrations
#   (DATABASE_OWNER_URL, `manage.py migrate --database owner`). CREATEDB as in pg_setup.py,
#   for the test suite's own database.
# - accountdesk_app is what web, worker and beat connect as (DATABASE_URL): not superuser,
#   not owner, no BYPASSRLS, so the forced row-level security binds it. It gets rows, never
#   DDL; default privileges cover every table and sequence the owner creates later.
#
# Idempotent (roles are created or altered, the database created if missing). The passwords
# come from the environment docker-compose.yml passes; psql quotes every value.
set -e

psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \
    -v db="${ACCOUNTDESK_DB:-accountdesk}" \
    -v owner="${ACCOUNTDESK_OWNER_ROLE:-accountdesk_owner}" \
    -v app="${ACCOUNTDESK_APP_ROLE:-accountdesk_app}" \
    -v owner_password="${ACCOUNTDESK_OWNER_PASSWORD:-accountdesk_owner}" \
    -v app_password="${ACCOUNTDESK_APP_PASSWORD:-accountdesk_app}" \
    <<'SQL'
-- Roles: created if missing, then (re)set exactly as scripts/pg_setup.py does.
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner')
\gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app')
\gexec
ALTER ROLE :"owner" LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';

-- The database, owned by the owner role (so in PostgreSQL 15+ the owner may create in public).
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec
GRANT CONNECT ON DATABASE :"db" TO :"app";

-- Inside the database: the application role uses the schema and gets rows, never DDL.
\connect :"db"
GRANT USAGE ON SCHEMA public TO :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL

echo "accountdesk init: roles ${ACCOUNTDESK_OWNER_ROLE:-accountdesk_owner} (owner) and ${ACCOUNTDESK_APP_ROLE:-accountdesk_app} (application), database ${ACCOUNTDESK_DB:-accountdesk} ready."
