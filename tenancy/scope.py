"""The tenant scope: which organisation the code running now works for.

Layer 2 of the map's three: a context variable read by every tenant-owned model's
default manager. Layer 3 rides on it: on PostgreSQL, entering a scope also sets the
transaction-local `app.organization_id` that the row-level security policies read,
so the database refuses what the application forgot to filter.

A scope is always entered with ``with`` and always restored in ``finally``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connections, transaction

if TYPE_CHECKING:
    from tenancy.models import Organization


class TenantScopeMissing(RuntimeError):
    """A tenant-owned table was queried with no organisation in scope."""


class _CrossTenant:
    """Marker for the superuser-only admin scope that spans every organisation."""

    def __repr__(self) -> str:
        return "<cross-tenant>"


CROSS_TENANT = _CrossTenant()
_current: contextvars.ContextVar[int | _CrossTenant | None] = contextvars.ContextVar("accountdesk_org", default=None)

ORG_SETTING = "app.organization_id"
USER_SETTING = "app.user_id"
CROSS_TENANT_SETTING = "app.cross_tenant"


def current_organization_id() -> int | _CrossTenant | None:
    return _current.get()


def _set_db(name: str, value: str, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        # A transaction-local setting outside a transaction would vanish at once and
        # leave the queries that follow unscoped: refuse loudly instead.
        raise TenantScopeMissing("A tenant scope on PostgreSQL must be entered inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _restore_db(name: str, value: str, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or connection.needs_rollback:
        # A broken transaction is rolled back, and the setting with it.
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def tenant_scope(organization: Organization | int) -> Iterator[None]:
    """Work for one organisation until the block ends; nested scopes restore the outer one."""
    org_id = organization if isinstance(organization, int) else organization.pk
    if not org_id:
        raise TenantScopeMissing("tenant_scope needs a saved organisation.")
    previous = _current.get()
    token = _current.set(org_id)
    try:
        _set_db(ORG_SETTING, str(org_id))
        yield
    finally:
        _current.reset(token)
        _restore_db(ORG_SETTING, "" if not isinstance(previous, int) else str(previous))


@contextmanager
def no_tenant_scope() -> Iterator[None]:
    """Leave any scope: for code that must prove it touches no tenant table (and tests)."""
    previous = _current.get()
    token = _current.set(None)
    try:
        _set_db(ORG_SETTING, "") if connections["default"].in_atomic_block else None
        yield
    finally:
        _current.reset(token)
        _restore_db(ORG_SETTING, "" if not isinstance(previous, int) else str(previous))


@contextmanager
def user_scope(user_id: int) -> Iterator[None]:
    """Let the database show one person's own memberships across organisations.

    Only the membership policy reads this setting; every other tenant table still
    needs an organisation. Used to list "my organisations" before one is chosen.
    """
    with transaction.atomic():
        _set_db(USER_SETTING, str(user_id))
        try:
            yield
        finally:
            _restore_db(USER_SETTING, "")


@contextmanager
def cross_tenant_scope_dangerously(*, user) -> Iterator[None]:
    """Every organisation at once: the Django admin for superusers, and nothing else."""
    if not (user.is_active and user.is_superuser):
        raise PermissionError("Only an active superuser may work across organisations.")
    token = _current.set(CROSS_TENANT)
    try:
        _set_db(CROSS_TENANT_SETTING, "on")
        yield
    finally:
        _current.reset(token)
        _restore_db(CROSS_TENANT_SETTING, "")
