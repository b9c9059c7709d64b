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
# The person whose own memberships the database may show across organisations (see user_scope).
_current_user: contextvars.ContextVar[int | None] = contextvars.ContextVar("accountdesk_user", default=None)

ORG_SETTING = "app.organization_id"
USER_SETTING = "app.user_id"
CROSS_TENANT_SETTING = "app.cross_tenant"


def current_organization_id() -> int | _CrossTenant | None:
    return _current.get()


def _set_db(settings: dict[str, str], using: str = "default") -> None:
    """Set transaction-local settings, all in one statement."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        # A transaction-local setting outside a transaction would vanish at once and
        # leave the queries that follow unscoped: refuse loudly instead.
        raise TenantScopeMissing("A tenant scope on PostgreSQL must be entered inside transaction.atomic().")
    calls = ", ".join("set_config(%s, %s, true)" for _ in settings)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}", [v for item in settings.items() for v in item])


def _restore_db(settings: dict[str, str], using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or connection.needs_rollback:
        # A broken transaction is rolled back, and the setting with it.
        return
    _set_db(settings, using)


def _as_setting(value) -> str:
    return str(value) if isinstance(value, int) else ""


@contextmanager
def tenant_scope(organization: Organization | int) -> Iterator[None]:
    """Work for one organisation until the block ends, inside a transaction of its own (a
    savepoint when one is open already); nested scopes restore the outer one.

    The transaction is the scope's, so no caller can forget it: on PostgreSQL the row-level
    security setting is transaction-local and means nothing outside one, and the writes of the
    block are all or nothing. For a long read on SQLite see `reading_scope`.
    """
    with transaction.atomic():
        with _scope(organization):
            yield


@contextmanager
def _scope(organization: Organization | int) -> Iterator[None]:
    """The scope itself, in whatever transaction the caller holds (or none, on SQLite)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    if not org_id:
        raise TenantScopeMissing("tenant_scope needs a saved organisation.")
    connection = connections["default"]
    # The scope's own transaction, when it is the outermost one, ends with the block and takes
    # the transaction-local setting with it: nothing to restore then.
    ends_with_transaction = connection.in_atomic_block and len(connection.savepoint_ids) == 0
    previous = _current.get()
    token = _current.set(org_id)
    failed = True
    try:
        _set_db({ORG_SETTING: str(org_id)})
        yield
        failed = False
    finally:
        _current.reset(token)
        # A block that fails is rolled back to the savepoint the scope opened, and the setting
        # with it (PostgreSQL undoes set_config on ROLLBACK TO SAVEPOINT).
        if not (ends_with_transaction or failed):
            _restore_db({ORG_SETTING: _as_setting(previous)})


@contextmanager
def no_tenant_scope() -> Iterator[None]:
    """Leave any scope: for code that must prove it touches no tenant table (and tests)."""
    previous = _current.get()
    token = _current.set(None)
    try:
        if connections["default"].in_atomic_block:
            _set_db({ORG_SETTING: ""})
        yield
    finally:
        _current.reset(token)
        _restore_db({ORG_SETTING: _as_setting(previous)})


@contextmanager
def user_scope(user_id: int) -> Iterator[None]:
    """Let the database show one person's own memberships across organisations.

    Only the membership policy reads this setting; every other tenant table still
    needs an organisation. Used to list "my organisations" (the chooser and the top bar's
    switcher). Free when an enclosing user_scope already set it for this person.
    """
    if _current_user.get() == user_id:
        yield
        return
    with transaction.atomic():
        token = _current_user.set(user_id)
        _set_db({USER_SETTING: str(user_id)})
        try:
            yield
        finally:
            _current_user.reset(token)
            _restore_db({USER_SETTING: ""})


@contextmanager
def cross_tenant_scope_dangerously(*, user) -> Iterator[None]:
    """Every organisation at once: the Django admin for superusers, and nothing else."""
    if not (user.is_active and user.is_superuser):
        raise PermissionError("Only an active superuser may work across organisations.")
    token = _current.set(CROSS_TENANT)
    try:
        _set_db({CROSS_TENANT_SETTING: "on"})
        yield
    finally:
        _current.reset(token)
        _restore_db({CROSS_TENANT_SETTING: ""})


@contextmanager
def reading_scope(organization: Organization) -> Iterator[None]:
    """A tenant scope for a long read (a background export). On PostgreSQL it is
    `tenant_scope`: row-level security needs its transaction, and a reader there blocks no
    writer. On SQLite it opens no transaction: the settings make every SQLite transaction
    BEGIN IMMEDIATE (config/settings/base.py, so that two writers queue instead of failing
    half-way), which takes the database's write lock at once and would hold it, stopping
    every writer of every organisation, for as long as the read lasts. SQLite has no
    row-level security, so the application's scope is all there is to set."""
    if connections["default"].vendor == "postgresql":
        with tenant_scope(organization):
            yield
    else:
        with _scope(organization):
            yield
