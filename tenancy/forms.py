from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from tenancy.models import TIME_ZONE_CHOICES, Membership, Organization, Role, TokenScope


class NativeDateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (yyyy-mm-dd), whatever the language:
    a Spanish "12/11/2026" would show as an empty field, and be lost on the next save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Deprecated: config.forms.submit/add_refusal replace it; accounts still imports it until its
    branch of issue 11 is merged. Tenancy does not use it: remove it with its last import."""
    placed = False
    for field, message in error.extra.items():
        target = field if field in form.fields else None
        target = {"lead_ids": "leads", "member_ids": "members"}.get(field, target)
        if target in form.fields:
            form.add_error(target, message)
            placed = True
    if not placed or error.message not in [str(m) for m in error.extra.values()]:
        form.add_error(None, error.message)


class MembershipAddForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("Someone who already uses AccountDesk elsewhere is invited, and joins when they accept."),
    )
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)


class MembershipRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)


class _PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return membership.user.full_name or membership.user.email


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    leads = _PeopleChoice(label=_("Leads"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    members = _PeopleChoice(label=_("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        people = (
            Membership.objects.filter(organization=organization, is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["leads"].queryset = people
        self.fields["members"].queryset = people


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    scope = forms.TypedChoiceField(
        label=_("May"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        required=False,
        empty_value=TokenScope.READ_WRITE,  # what a program posting no scope got before scopes
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[("", _("The organisation's"))] + TIME_ZONE_CHOICES, required=False
    )


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
