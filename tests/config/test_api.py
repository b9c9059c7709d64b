from django.utils import translation

from accounts.filters import ActivityFilter
from config.api import filter_parameters


def test_the_schemas_filter_descriptions_are_in_the_default_language_whoever_imports_the_api_first():
    # given: the API modules are imported during someone's first request, in their language
    with translation.override("es"):
        # when
        parameters = filter_parameters(ActivityFilter)
    # then
    assert [(p.name, p.description) for p in parameters] == [
        ("account", "Account"),
        ("kind", "Type"),
        ("next_step_owner", "Next step owner"),
        ("open_next_step", "Has a next step not done yet"),
        ("occurred_after", "Happened at or after"),
        ("occurred_before", "Happened before"),
    ]
