import pytest
from django.db import connection, transaction

from tenancy.models import AuditEvent, Membership, Team
from tenancy.scope import TenantScopeMissing, current_organization_id, no_tenant_scope, tenant_scope
from tests.tenancy.isolation import tenant_models


def _db_setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.organization_id', true), '')")
        return cursor.fetchone()[0]


def _where(sql: str) -> str:
    return sql.split(" WHERE ", 1)[1]


def test_default_manager_refuses_outside_a_scope(world):
    # given no scope
    # when / then
    with pytest.raises(TenantScopeMissing):
        list(Team.objects.all())


def test_default_manager_returns_only_the_scoped_organisation(world):
    with transaction.atomic(), tenant_scope(world.porta.org):
        names = list(Team.objects.values_list("name", flat=True))
        emails = sorted(Membership.objects.values_list("user__email", flat=True))
    assert names == ["Team Porta Digital"]
    assert emails == [
        "admin@porta.example",
        "ae2@porta.example",
        "ae@porta.example",
        "finance@porta.example",
        "lead@porta.example",
    ]


def test_the_scopes_condition_is_exactly_filter_organization_id_on_every_tenant_model(world):
    # given every tenant-owned model
    with transaction.atomic(), tenant_scope(world.porta.org):
        for model in tenant_models():
            # when read through its manager, and through a plain filter
            scoped = model.objects.filter(pk__gt=0).order_by("pk")
            # the escape hatch on purpose: the condition written by hand, to compare the scope's with
            plain = (
                model.unscoped_dangerously.filter(organization_id=world.porta.org.pk).filter(pk__gt=0).order_by("pk")
            )
            # then the same SQL, parameters and rows
            assert (model.__name__, scoped.query.sql_with_params()) == (model.__name__, plain.query.sql_with_params())
            assert list(scoped.values_list("pk", flat=True)) == list(plain.values_list("pk", flat=True))


def test_the_selectors_own_organisation_filter_is_plain_django_and_changes_no_row(world):
    # given a read that says its organisation, as every selector does
    with transaction.atomic(), tenant_scope(world.porta.org):
        # when
        teams = Team.objects.filter(organization=world.porta.org, name="Team Porta Digital")
        by_id = Team.objects.filter(organization_id=world.porta.org.pk)
        sql = str(teams.query)
        names = list(teams.values_list("name", flat=True))
        by_id_names = list(by_id.values_list("name", flat=True))
    # then the scope's condition and the selector's are both there, as Django builds them (no
    # overridden filter() drops one), and the rows are the same
    assert _where(sql).count('"tenancy_team"."organization_id"') == 2
    assert names == ["Team Porta Digital"]
    assert by_id_names == ["Team Porta Digital"]


def test_the_scoped_manager_is_a_plain_manager_on_djangos_public_api():
    # given the tenant base: nothing of QuerySet or Model is overridden to make the scope
    from django.db import models

    from tenancy.models import TenantManager, TenantOwned

    # then
    assert TenantManager._queryset_class is models.QuerySet
    assert "_get_FIELD_display" not in TenantOwned.__dict__


def test_another_organisation_named_in_a_filter_is_kept_and_matches_nothing(world):
    with transaction.atomic(), tenant_scope(world.porta.org):
        teams = Team.objects.filter(organization=world.nordwind.org)
        sql = str(teams.query)
        names = list(teams.values_list("name", flat=True))
    assert _where(sql).count('"tenancy_team"."organization_id"') == 2
    assert names == []


def test_an_or_of_two_reads_keeps_its_organisation_filter(world):
    # given two scoped reads combined with OR
    with transaction.atomic(), tenant_scope(world.porta.org):
        combined = (Team.objects.filter(name="x") | Team.objects.filter(name="y")).filter(organization=world.porta.org)
        sql = str(combined.query)
    # then the explicit filter stays: after an OR it is no longer implied by the scope's
    assert _where(sql).count('"tenancy_team"."organization_id"') == 3


def test_scope_is_reset_after_the_block_even_on_error(world):
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic(), tenant_scope(world.porta.org):
            raise ZeroDivisionError
    assert current_organization_id() is None
    with transaction.atomic():
        assert _db_setting() == ""


def test_nested_scopes_restore_the_outer_organisation_in_app_and_database(world):
    with transaction.atomic(), tenant_scope(world.porta.org):
        with tenant_scope(world.nordwind.org):
            assert current_organization_id() == world.nordwind.org.pk
            assert _db_setting() == str(world.nordwind.org.pk)
        assert current_organization_id() == world.porta.org.pk
        assert _db_setting() == str(world.porta.org.pk)
    assert current_organization_id() is None


def test_scope_on_postgresql_outside_a_transaction_is_refused(world):
    assert not connection.in_atomic_block or True  # pytest-django wraps tests in a transaction
    with transaction.atomic(), no_tenant_scope():
        with pytest.raises(TenantScopeMissing):
            Team.objects.count()


def test_unscoped_manager_is_still_bound_by_row_level_security(world):
    # The escape hatch skips the application filter; the database still refuses.
    with transaction.atomic():
        assert AuditEvent.unscoped_dangerously.count() == 0
        assert Membership.unscoped_dangerously.count() == 0


def test_a_tenant_scope_is_its_own_transaction_so_a_failing_block_writes_nothing(world):
    # given a scope entered without a transaction of the caller's
    with pytest.raises(ZeroDivisionError):
        with tenant_scope(world.porta.org):
            # when the block writes, then fails
            Team.objects.create(organization=world.porta.org, name="Half-way")
            assert _db_setting() == str(world.porta.org.pk)
            raise ZeroDivisionError
    # then the write went with it, and no scope is left, in the application or the database
    assert current_organization_id() is None
    with tenant_scope(world.porta.org):
        assert list(Team.objects.values_list("name", flat=True)) == ["Team Porta Digital"]
    with transaction.atomic():
        assert _db_setting() == ""


@pytest.mark.parametrize(("vendor", "transactions_opened"), [("postgresql", 1), ("sqlite", 0)])
def test_a_long_read_opens_a_transaction_on_postgresql_and_none_on_sqlite(
    world, monkeypatch, vendor, transactions_opened
):
    # given the database of the moment (SQLite's IMMEDIATE transactions would hold its write lock)
    from tenancy.scope import reading_scope

    monkeypatch.setattr(connection, "vendor", vendor)
    depth = len(connection.savepoint_ids)
    # when
    with reading_scope(world.porta.org):
        inside = (len(connection.savepoint_ids) - depth, current_organization_id())
    # then the scope is there either way, in a transaction of its own only on PostgreSQL
    assert inside == (transactions_opened, world.porta.org.pk)
    assert current_organization_id() is None
