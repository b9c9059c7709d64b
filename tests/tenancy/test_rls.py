"""The database catalogue: every tenant table has row-level security enabled and forced, and
the application role sees nothing without an organisation and exactly one with it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from tenancy.models import Membership
from tenancy.scope import cross_tenant_scope_dangerously, tenant_scope
from tests.tenancy.isolation import SUPERUSER, tenant_models


def rows_per_organization(model, world) -> dict[str, int]:
    counts = {}
    for name in ("porta", "nordwind"):
        org = getattr(world, name).org
        with transaction.atomic(), cross_tenant_scope_dangerously(user=SUPERUSER):
            counts[name] = model.objects.filter(organization=org).count()
    return counts


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


def test_the_suite_connects_as_a_role_that_row_level_security_binds(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls, current_user FROM pg_roles WHERE rolname = current_user")
        is_super, bypasses, role = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        owns = cursor.fetchone()[0]
    assert (is_super, bypasses, role, owns) == (False, False, "accountdesk_app", 0)


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_tenant_table_has_row_level_security_enabled_forced_and_a_policy(db, model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) FROM pg_class c WHERE c.relname = %s",
            [model._meta.db_table],
        )
        assert cursor.fetchone() == (True, True, 1)


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_without_an_organisation_a_tenant_table_shows_nothing_and_refuses_inserts(world, model):
    counts = rows_per_organization(model, world)
    assert counts["porta"] > 0 and counts["nordwind"] > 0
    with transaction.atomic(), cross_tenant_scope_dangerously(user=SUPERUSER):
        template = model.objects.filter(organization=world.porta.org).first()
    with transaction.atomic():
        assert _count(model._meta.db_table) == 0
    # when a row is inserted with no organisation in the transaction
    template.pk = None
    with pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic():
            template.save(force_insert=True)
    # then nothing was written
    assert rows_per_organization(model, world) == counts


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_with_an_organisation_a_tenant_table_shows_exactly_its_rows(world, model):
    counts = rows_per_organization(model, world)
    for name in ("porta", "nordwind"):
        org = getattr(world, name).org
        with transaction.atomic(), tenant_scope(org):
            assert _count(model._meta.db_table) == counts[name]
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT DISTINCT organization_id FROM "{model._meta.db_table}"')
                assert [row[0] for row in cursor.fetchall()] == [org.pk]


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_with_one_organisation_set_another_organisations_row_cannot_be_written(world, model):
    counts = rows_per_organization(model, world)
    with transaction.atomic(), cross_tenant_scope_dangerously(user=SUPERUSER):
        template = model.objects.filter(organization=world.porta.org).first()
    template.pk = None
    with pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic(), tenant_scope(world.nordwind.org):
            template.save(force_insert=True)
    assert rows_per_organization(model, world) == counts


def test_a_request_for_one_organisation_leaves_nothing_for_the_next_on_the_same_connection(tworld):
    # given one connection (the test client runs in this thread, on this connection)
    porta_client, nordwind_client = Client(), Client()
    porta_client.force_login(tworld.porta.admin.user)
    nordwind_client.force_login(tworld.nordwind.admin.user)
    backend_pid = connection.cursor().connection.info.backend_pid
    # when porta asks, then nordwind asks
    porta_page = porta_client.get("/o/porta/people/")
    with transaction.atomic():
        after_porta = (_count("tenancy_membership"), _setting())
    nordwind_page = nordwind_client.get("/o/nordwind/people/")
    with transaction.atomic():
        after_nordwind = (_count("tenancy_membership"), _setting())
    # then the connection kept nothing of either, and nordwind saw nothing of porta
    assert connection.cursor().connection.info.backend_pid == backend_pid
    assert (porta_page.status_code, nordwind_page.status_code) == (200, 200)
    assert after_porta == (0, "") and after_nordwind == (0, "")
    assert b"admin@porta.example" in porta_page.content
    assert b"admin@porta.example" not in nordwind_page.content
    assert b"admin@nordwind.example" in nordwind_page.content


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.organization_id', true), '')")
        return cursor.fetchone()[0]


def test_a_person_sees_only_their_own_memberships_before_choosing_an_organisation(world):
    from tenancy.scope import user_scope

    user = world.porta.ae.user
    with user_scope(user.pk):
        # no organisation on purpose: what the database alone lets through
        rows = list(Membership.unscoped_dangerously.values_list("user_id", "organization_id"))
    assert rows == [(user.pk, world.porta.org.pk)]
