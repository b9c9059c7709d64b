"""The People and Teams lists' filters and sort, read from the address (`?q=…&role=…&sort=…`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tenancy.models import Membership, Role, Team

STATUS_CHOICES = [("active", _("Active")), ("deactivated", _("Deactivated"))]
SEARCH = forms.TextInput(attrs={"type": "search", "class": "form-control form-control-sm"})
CHOICE = forms.Select(attrs={"class": "form-select form-select-sm"})


class MembershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or email"), method="search", widget=SEARCH)
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, method="with_role", empty_label=_("Every role"), widget=CHOICE
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="with_status", empty_label=_("Any status"), widget=CHOICE
    )
    sort = django_filters.OrderingFilter(
        fields=(("user__full_name", "name"), ("user__email", "email"), ("created_at", "added")),
        field_labels={"user__full_name": _("Person"), "user__email": _("Email"), "created_at": _("Added")},
        label=_("Sort"),
    )

    class Meta:
        model = Membership
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(user__full_name__icontains=value) | Q(user__email__icontains=value))

    def with_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{Membership.ROLE_FIELDS[Role(value)]: True})

    def with_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "active")


class TeamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains", widget=SEARCH)
    sort = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created")),
        field_labels={"name": _("Name"), "created_at": _("Created")},
        label=_("Sort"),
    )

    class Meta:
        model = Team
        fields: list[str] = []
