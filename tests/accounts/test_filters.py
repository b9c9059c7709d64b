import django_filters
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from accounts.filters import _FORM_CLASSES, AccountFilter, ActivityFilter, ObjectiveFilter, TenantFilterSet
from accounts.models import Account, Activity, ActivityKind
from tenancy.models import Membership


class _DerivedLabel(TenantFilterSet):
    # No label: django-filter derives one from the model field, in the language of the moment.
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)

    class Meta:
        model = Activity
        fields = []


class _EveryonesPeople(TenantFilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=lambda request: Membership.unscoped_dangerously.all())

    class Meta:
        model = Account
        fields = []


def _form(filterset_class, language: str):
    model = filterset_class._meta.model
    with translation.override(language):
        form = filterset_class({}, queryset=model.unscoped_dangerously.none()).form
        return form, {name: str(field.label) for name, field in form.fields.items()}


def test_a_filtersets_form_class_is_built_once_per_language():
    # given / when
    (first, _), (second, _), (spanish, _) = (
        _form(ActivityFilter, "en"),
        _form(ActivityFilter, "en"),
        _form(ActivityFilter, "es"),
    )
    # then
    assert type(first) is type(second)
    assert type(first) is not type(spanish)
    assert (_FORM_CLASSES[(ActivityFilter, "en")], _FORM_CLASSES[(ActivityFilter, "es")]) == (
        type(first),
        type(spanish),
    )


def test_a_label_derived_from_the_model_follows_the_language_of_each_request():
    # given: one FilterSet, its form built in turn in each language
    # when
    labels = [_form(_DerivedLabel, language)[1] for language in ("en", "es", "ca", "en")]
    # then
    assert labels == [{"kind": "Type"}, {"kind": "Tipo"}, {"kind": "Tipus"}, {"kind": "Type"}]


def test_a_filter_whose_queryset_holds_rows_is_refused_and_nothing_is_cached():
    # given: a form class shared by every organisation must not carry anyone's people
    # when
    with pytest.raises(ImproperlyConfigured, match="_EveryonesPeople.owner: a filter's queryset must be empty"):
        _form(_EveryonesPeople, "en")
    # then
    assert [key for key in _FORM_CLASSES if key[0] is _EveryonesPeople] == []


def test_the_api_filters_say_what_they_filter():
    # given / when
    english, spanish, catalan = (
        _form(ActivityFilter, "en")[1],
        _form(ActivityFilter, "es")[1],
        _form(ObjectiveFilter, "ca")[1],
    )
    # then
    assert english == {
        "account": "Account",
        "kind": "Type",
        "next_step_owner": "Next step owner",
        "open_next_step": "Has a next step not done yet",
        "occurred_after": "Happened at or after",
        "occurred_before": "Happened before",
    }
    assert spanish == {
        "account": "Cuenta",
        "kind": "Tipo",
        "next_step_owner": "Responsable del próximo paso",
        "open_next_step": "Tiene un próximo paso pendiente",
        "occurred_after": "Ocurrió en o después de",
        "occurred_before": "Ocurrió antes de",
    }
    assert catalan == {"account": "Compte", "metric": "Mètrica", "active_on": "El seu període inclou aquesta data"}


def test_the_shared_portfolio_form_class_holds_no_organisations_rows():
    # given / when
    form, _ = _form(AccountFilter, "en")
    # then: only the form's own copies get an organisation's querysets (none here: no organisation given)
    shared = type(form).base_fields
    assert [
        (name, field.queryset.query.is_empty()) for name, field in shared.items() if hasattr(field, "queryset")
    ] == [("owner", True), ("sales_team", True)]
