"""Every API error in one shape: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError, error_body, refusal_messages


def _flatten(detail) -> dict:
    """DRF's nested detail -> {"field": "first message", "nested.field": "…"}."""
    fields: dict[str, str] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if value and all(not isinstance(v, (dict, list)) for v in value):
                fields[prefix or "non_field_errors"] = str(value[0])
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields[prefix or "non_field_errors"] = str(value)

    walk("", detail)
    return fields


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, {k: str(v) for k, v in exc.extra.items()}), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        # full_clean() or a constraint in a service: the same shape as a serializer's refusal.
        message, fields = refusal_messages(exc)
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return Response(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), "Invalid input.")
        body = error_body("invalid", f"Invalid input: {first}" if fields else "Invalid input.", fields)
    elif isinstance(exc, exceptions.ParseError):
        body = error_body("malformed_request", f"The request body could not be parsed: {exc.detail}")
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        body = error_body(code, str(exc.detail))
    response.data = body
    return response
