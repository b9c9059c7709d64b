import django_filters
from django.utils import translation

from accounts.filters import ActivityFilter, ObjectiveFilter, TenantFilterSet
from accounts.models import Activity, ActivityKind


class _DerivedLabel(TenantFilterSet):
    # No label: django-filter derives one from the model field, in the language of the moment.
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)

    class Meta:
        model = Activity
        fields = []


def _form(filterset_class, language: str):
    model = filterset_class._meta.model
    with translation.override(language):
        form = filterset_class({}, queryset=model.unscoped_dangerously.none()).form
        return form, {name: str(field.label) for name, field in form.fields.items()}


def test_a_filtersets_form_class_is_built_once_per_language_and_each_form_has_its_own_fields():
    # given / when
    (first, _), (second, _), (spanish, _) = _form(ActivityFilter, "en"), _form(ActivityFilter, "en"), _form(ActivityFilter, "es")
    # then
    assert type(first) is type(second)
    assert type(first) is not type(spanish)
    assert first.fields["kind"] is not second.fields["kind"]
    assert first.fields["kind"].widget is not second.fields["kind"].widget


def test_a_label_derived_from_the_model_follows_the_language_of_each_request():
    assert [_form(_DerivedLabel, language)[1] for language in ("en", "es", "ca", "en")] == [{"kind": "Type"}, {"kind": "Tipo"}, {"kind": "Tipus"}, {"kind": "Type"}]


def test_the_api_filters_say_what_they_filter():
    assert _form(ActivityFilter, "en")[1] == {
        "account": "Account", "kind": "Type", "next_step_owner": "Next step owner", "open_next_step": "Has a next step not done yet",
        "occurred_after": "Happened at or after", "occurred_before": "Happened before",
    }
    assert _form(ActivityFilter, "es")[1] == {
        "account": "Cuenta", "kind": "Tipo", "next_step_owner": "Responsable del próximo paso", "open_next_step": "Tiene un próximo paso pendiente",
        "occurred_after": "Ocurrió en o después de", "occurred_before": "Ocurrió antes de",
    }
    assert _form(ObjectiveFilter, "ca")[1] == {"account": "Compte", "metric": "Mètrica", "active_on": "El seu període inclou aquesta data"}
