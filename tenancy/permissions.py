"""API permissions: membership first (resolved by the middleware), then roles."""

from rest_framework.permissions import BasePermission

from tenancy.models import Role


class IsTenantMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        membership = getattr(request._request, "membership", None)
        return bool(membership is not None and membership.is_active and request.user and request.user.is_authenticated)


def role_permission(*roles: Role):
    class HasRole(IsTenantMember):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            if not super().has_permission(request, view):
                return False
            membership = request._request.membership
            return any(membership.has_role(role) for role in roles)

    HasRole.__name__ = "HasRole_" + "_".join(r.value for r in roles)
    return HasRole


IsTenantAdmin = role_permission(Role.ADMIN)
