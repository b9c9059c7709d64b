"""The Django admin: superusers only, across every organisation.

Each admin view runs in a transaction inside `cross_tenant_scope_dangerously`, which
checks that the person is an active superuser before it opens anything.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction

from tenancy import services
from tenancy.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    TeamMember,
    User,
    WorkerHeartbeat,
)
from tenancy.scope import cross_tenant_scope_dangerously


class AccountDeskAdminSite(admin.AdminSite):
    site_header = "AccountDesk administration"
    site_title = "AccountDesk admin"

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if not self.has_permission(request):
                return protected(request, *args, **kwargs)  # the login redirect
            with transaction.atomic(), cross_tenant_scope_dangerously(user=request.user):
                response = protected(request, *args, **kwargs)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response = response.render()
                return response

        return update_wrapper(inner, view)


admin_site = AccountDeskAdminSite(name="admin")


@admin.register(Organization, site=admin_site)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "base_currency", "time_zone", "default_language", "is_active"]
    search_fields = ["name", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # what tenancy.services.organization_create gives a new one
            services.organization_set_up(obj)


@admin.register(User, site=admin_site)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "language", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = []
    list_filter = ["is_active", "is_superuser"]


class TenantAdmin(admin.ModelAdmin):
    list_filter = ["organization"]


@admin.register(Membership, site=admin_site)
class MembershipAdmin(TenantAdmin):
    list_display = [
        "user",
        "organization",
        "is_admin",
        "is_sales_lead",
        "is_account_executive",
        "is_finance",
        "is_active",
    ]
    list_select_related = ["user", "organization"]


@admin.register(Invitation, site=admin_site)
class InvitationAdmin(TenantAdmin):
    list_display = ["email", "organization", "created_at"]
    readonly_fields = ["user", "invited_by"]


@admin.register(Team, site=admin_site)
class TeamAdmin(TenantAdmin):
    list_display = ["name", "organization"]


@admin.register(TeamMember, site=admin_site)
class TeamMemberAdmin(TenantAdmin):
    list_display = ["team", "membership", "is_lead", "organization"]


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(TenantAdmin):
    list_display = ["name", "scope", "prefix", "membership", "expires_at", "revoked_at", "organization"]
    readonly_fields = ["prefix", "key_hash"]


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(TenantAdmin):
    list_display = ["created_at", "action", "object_type", "object_id", "actor", "organization"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(WorkerHeartbeat, site=admin_site)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "seen_at"]
