"""The checklist for a new tenant-owned model, enforced: a model that misses a step fails here.

1. It inherits `tenancy.models.TenantOwned` (the organisation, the fail-closed manager, the
   `unscoped_dangerously` escape hatch); a model of ours that is not tenant data is named in
   NOT_TENANT_DATA with the reason.
2. A migration enables row-level security on its table with `EnableTenantRLS("<model>")`
   (tests/tenancy/test_rls.py then checks the database catalogue: enabled, forced, one policy).
3. Every unique key starts with the organisation (the tables stay distributable by organisation,
   and a key never reveals another organisation's rows by refusing a duplicate).
4. It is described to the isolation suites: rows in both organisations of tests/factories.py,
   its URL ids in tests/tenancy/isolation.py (tests/tenancy/test_isolation.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.db.models import F
from django.test.utils import isolate_apps

from tenancy.models import Organization, TenantManager, TenantOwned, UnscopedManagerDangerously
from tenancy.rls import EnableTenantRLS

NOT_TENANT_DATA = {
    "tenancy.Organization": "the tenants themselves",
    "tenancy.User": "a person, who may belong to several organisations through memberships",
    "tenancy.WorkerHeartbeat": "when a Celery worker was last seen, for /healthz",
}


def our_models() -> list[type[models.Model]]:
    """The models of the project's own apps (not Django's, not a library's)."""
    root = Path(settings.BASE_DIR).resolve()
    ours = [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root) and ".venv" not in Path(config.path).parts
    ]
    return [model for config in ours for model in config.get_models()]


def rls_enabled_in_migrations() -> set[tuple[str, str]]:
    """(app label, model name) of every EnableTenantRLS operation in the migrations on disk."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        (app_label, operation.model_name.lower())
        for (app_label, _name), migration in loader.disk_migrations.items()
        for operation in migration.operations
        if isinstance(operation, EnableTenantRLS)
    }


def _starts_with_organization(constraint: models.UniqueConstraint) -> bool:
    if constraint.fields:
        return constraint.fields[0] in ("organization", "organization_id")
    first = constraint.expressions[0] if constraint.expressions else None
    return isinstance(first, F) and first.name in ("organization", "organization_id")


def checklist_failures(model: type[models.Model], rls: set[tuple[str, str]]) -> list[str]:
    """What `model` misses of the checklist, in words; empty when it follows it."""
    label = model._meta.label
    if not issubclass(model, TenantOwned):
        if label in NOT_TENANT_DATA:
            return []
        return [f"{label} does not inherit TenantOwned (or say in NOT_TENANT_DATA why it is not tenant data)"]
    failures = []
    if not isinstance(model._default_manager, TenantManager):
        failures.append(f"{label}'s default manager is not the scoped TenantManager")
    if not isinstance(getattr(model, "unscoped_dangerously", None), UnscopedManagerDangerously):
        failures.append(f"{label} has no unscoped_dangerously manager")
    if (model._meta.app_label, model._meta.model_name) not in rls:
        failures.append(f'{label} has no migration with EnableTenantRLS("{model._meta.model_name}")')
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and not _starts_with_organization(constraint):
            failures.append(f"{label}'s unique constraint {constraint.name} does not start with the organisation")
    for field in model._meta.local_fields:
        if field.unique and not field.primary_key:
            failures.append(f"{label}.{field.name} is unique across organisations: make it a constraint")
    for together in model._meta.unique_together:
        if together[0] not in ("organization", "organization_id"):
            failures.append(f"{label}'s unique_together {together} does not start with the organisation")
    return failures


def test_every_model_of_ours_is_tenant_owned_or_says_why_not():
    labels = {model._meta.label for model in our_models()}
    assert {"tenancy.Membership", "tenancy.Invitation", "clients.Client", "accounts.Account"} <= labels
    assert [
        f for model in our_models() if not issubclass(model, TenantOwned) for f in checklist_failures(model, set())
    ] == []
    # a reason for every exception, and no stale one
    assert set(NOT_TENANT_DATA) <= labels


@pytest.mark.parametrize("model", [m for m in our_models() if issubclass(m, TenantOwned)], ids=lambda m: m._meta.label)
def test_every_tenant_owned_model_follows_the_checklist(model):
    assert checklist_failures(model, rls_enabled_in_migrations()) == []


@isolate_apps("tenancy")
def test_the_checklist_names_each_missing_step():
    # given models that each miss one step
    class Forgetful(models.Model):  # noqa: DJ008 - an organisation, but not TenantOwned
        organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

        class Meta:
            app_label = "tenancy"

    class Plain(TenantOwned):  # its own plain manager first: queries escape the scope
        objects = models.Manager()

        class Meta:
            app_label = "tenancy"

    class Keyed(TenantOwned):  # unique keys across organisations
        code = models.CharField(max_length=10, unique=True)
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tenancy"
            constraints = [
                models.UniqueConstraint(fields=["name", "organization"], name="keyed_name_org"),
                models.UniqueConstraint(models.functions.Lower("name"), F("organization"), name="keyed_lower"),
            ]

    class Fine(TenantOwned):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tenancy"
            constraints = [models.UniqueConstraint(F("organization"), models.functions.Lower("name"), name="fine")]

    no_rls: set[tuple[str, str]] = set()
    # when / then
    assert checklist_failures(Forgetful, no_rls) == [
        "tenancy.Forgetful does not inherit TenantOwned (or say in NOT_TENANT_DATA why it is not tenant data)"
    ]
    assert checklist_failures(Plain, {("tenancy", "plain")}) == [
        "tenancy.Plain's default manager is not the scoped TenantManager"
    ]
    assert checklist_failures(Keyed, {("tenancy", "keyed")}) == [
        "tenancy.Keyed's unique constraint keyed_name_org does not start with the organisation",
        "tenancy.Keyed's unique constraint keyed_lower does not start with the organisation",
        "tenancy.Keyed.code is unique across organisations: make it a constraint",
    ]
    assert checklist_failures(Fine, no_rls) == ['tenancy.Fine has no migration with EnableTenantRLS("fine")']
    assert checklist_failures(Fine, {("tenancy", "fine")}) == []
