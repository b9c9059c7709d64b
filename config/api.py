"""What every app's API shares: strict input, one way to read it, filtered cursor lists, typed
filter parameters and named enums in the OpenAPI document, money as strings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: "Unknown field." for name in unknown})
        return super().to_internal_value(data)


LIST_ORDER = (
    "Cursor-paginated, newest first (by id). The pages' `sort` parameter is ignored here: "
    "a cursor needs a unique, stable order. Other parameters filter exactly as on the page; "
    "an invalid value is a 400 naming the parameter."
)


def read_input(serializer_class: type[serializers.Serializer], request, **kwargs) -> dict[str, Any]:
    """The request body parsed by `serializer_class` (built with `kwargs`, such as `partial=True`
    for a PATCH): only the fields that were sent."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def list_params(request):
    """The query string for a FilterSet, without `sort` (the API orders by id; see LIST_ORDER)."""
    params = request.GET.copy()
    params.pop("sort", None)
    return params


def filtered(filterset: django_filters.FilterSet) -> QuerySet:
    """The FilterSet's queryset; a parameter with an invalid value is a 400, not silently ignored."""
    if not filterset.is_valid():
        raise serializers.ValidationError(filterset.errors)
    return filterset.qs


def paginated(
    view: APIView,
    request,
    queryset: QuerySet,
    output: type[serializers.Serializer],
    rows: Callable[[list], Iterable] | None = None,
) -> Response:
    """One cursor page of `queryset` (ordered by the paginator's unique key) in `output`."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(rows(page) if rows else page, many=True).data)


def filter_parameters(
    filterset_class: type[django_filters.FilterSet], exclude: Iterable[str] = ("sort",)
) -> list[OpenApiParameter]:
    """The FilterSet's parameters for the OpenAPI document, typed from each filter's class.

    Described in the default language: this runs when an API module is imported, which is
    during the first request, in whatever language that person uses."""
    parameters = []
    with translation.override(settings.LANGUAGE_CODE):
        for name, item in filterset_class.base_filters.items():
            if name in exclude:
                continue
            enum = None
            if isinstance(item, django_filters.BooleanFilter):
                kind = OpenApiTypes.BOOL
            elif isinstance(item, django_filters.IsoDateTimeFilter):
                kind = OpenApiTypes.DATETIME
            elif isinstance(item, django_filters.DateFilter):
                kind = OpenApiTypes.DATE
            elif isinstance(item, (django_filters.NumberFilter, django_filters.ModelChoiceFilter)):
                kind = OpenApiTypes.INT  # our number filters are ids
            elif isinstance(item, django_filters.ChoiceFilter):
                kind, enum = OpenApiTypes.STR, [value for value, _label in item.extra["choices"]]
            else:
                kind = OpenApiTypes.STR
            parameters.append(
                OpenApiParameter(name, kind, required=False, description=str(item.label or ""), enum=enum)
            )
    return parameters


def named_enum(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField whose enum is the schema component `component_name`.

    drf-spectacular names enums after the field ("StatusEnum"); several of ours share a name
    with different values (a client's, an account's and an incident's status), which it can
    only resolve with a warning. Naming them here keeps the document exact and warning-free."""
    values = [value for value, _label in choices]

    @extend_schema_field({"type": "string", "enum": values}, component_name=component_name)
    class NamedEnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    NamedEnumField.__name__ = NamedEnumField.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return NamedEnumField


def money(**kwargs) -> serializers.DecimalField:
    """Money as a string with two decimals; never a float."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class TenantRow(serializers.PrimaryKeyRelatedField):
    """A row of the organisation in scope, by its id: the tenant-scoped manager reads it, so a
    request never reaches another organisation's rows. An id of no row here (another
    organisation's, or none) is refused with `message` under this field, the way a service
    says it (no "Invalid input:" before it): to the client, a row it may not name and a row
    that does not exist are the same."""

    def __init__(self, model, *, message, **kwargs):
        self.model = model
        self.message = message
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() != ["does_not_exist"]:
                raise
            raise ApplicationError(self.message, {self.field_name: self.message}) from None


# --- The error answers in the OpenAPI document ----------------------------------------------

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every refusal, in one shape (config/api_errors.py).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs: `invalid`, `not_found`, …"},
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Each refused field or query parameter with its first message; empty otherwise.",
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
ERROR_ANSWERS = {
    "400": "Invalid input: `fields` names each field or query parameter and what is wrong with it.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Signed in, but this role or token may not do this.",
    "404": "No such organisation or row, or not one this membership may see (the same answer).",
}


def document_error_answers(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents the refusals it can
    answer, all in the one error shape. 400 where it reads input (a body or query
    parameters); 401, 403 and 404 everywhere (every operation is under an organisation and
    answers to a membership). Codes an operation documents itself are left as they are."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_ANSWERS.items():
                if status == "400" and not takes_input:
                    continue
                responses.setdefault(status, {"description": description, "content": reference})
    return result
