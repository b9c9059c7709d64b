"""Forms parse; services decide. `submit` is the one way a page hands a valid form to a service
and puts the service's refusal back on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from config.errors import ApplicationError, refusal_messages


def add_refusal(form: forms.BaseForm, error: ApplicationError | ValidationError, aliases: dict | None = None) -> None:
    """A service's refusal on the form: on the fields it names (`aliases` maps a service's
    argument to the form's field where they differ), and its sentence on top unless a field
    already says it."""
    message, fields = refusal_messages(error)
    placed = []
    for name, text in fields.items():
        target = (aliases or {}).get(name, name)
        if target in form.fields:
            form.add_error(target, text)
            placed.append(text)
    if message not in placed:
        form.add_error(None, message)


def submit[T](form: forms.BaseForm, action: Callable[[dict[str, Any]], T], aliases: dict | None = None) -> T | None:
    """`action(form.cleaned_data)` when the form is valid; its result, or None when the form or
    the service refused (the refusal is then on the form, and nothing was written)."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except (ApplicationError, ValidationError) as error:
        add_refusal(form, error, aliases)
        return None
