"""Who may do what in tenancy, said once: views ask these what to show, services enforce them,
and the API's permission classes and the pages' decorator are built from them.

Every function is `can_<verb>_<entity>(membership, obj=None) -> bool`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from tenancy.models import ApiToken, Membership

Check = Callable[..., bool]


def is_active_member(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_manage_people(membership: Membership | None, obj: Membership | None = None) -> bool:
    """Add people, invite them, change their roles, deactivate and reactivate them."""
    return is_active_member(membership) and membership.is_admin


def can_manage_teams(membership: Membership | None, obj=None) -> bool:
    """Create, rename and delete teams, and choose their leads and members."""
    return is_active_member(membership) and membership.is_admin


def can_manage_tokens(membership: Membership | None, obj: ApiToken | None = None) -> bool:
    """Every member makes, reads and revokes API tokens of their own, and no one else's (another
    person's token answers "not found": its existence is theirs)."""
    if not is_active_member(membership):
        return False
    return obj is None or obj.membership_id == membership.pk


# --- The same rules, for pages and the API ---------------------------------------------------


def page_permission(check: Check):
    """A page that needs `check(request.membership)`: members without it get 403 (they may know
    the page exists)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not check(request.membership):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class IsTenantMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        membership = getattr(request._request, "membership", None)
        return bool(is_active_member(membership) and request.user and request.user.is_authenticated)


def api_permission(check: Check) -> type[BasePermission]:
    """The DRF permission class of `check`: members without it get 403 in the error shape."""

    class Allowed(IsTenantMember):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            return super().has_permission(request, view) and check(request._request.membership)

    Allowed.__name__ = f"Allowed_{check.__name__}"
    return Allowed


CanManagePeople = api_permission(can_manage_people)
CanManageTeams = api_permission(can_manage_teams)
