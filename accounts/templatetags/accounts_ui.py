"""How account states look: one place for the badge colours and icons that several pages show
(a dictionary look-up per row instead of an if/elif chain in every template)."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_BADGES = {
    "at_risk": "text-bg-danger",
    "active": "text-bg-success",
    "closed": "text-bg-secondary",
    "dormant": "text-bg-warning",
}
SEVERITY_BADGES = {"critical": "text-bg-danger", "high": "text-bg-warning", "normal": "text-bg-secondary"}
KIND_ICONS = {"visit": "bi-geo-alt", "call": "bi-telephone", "email": "bi-envelope", "meeting": "bi-people"}
# An objective's progress state (accounts.selectors.ObjectiveProgress.state): badge colour, words.
OBJECTIVE_STATES = {
    "behind": ("text-bg-danger", _("Behind")),
    "ahead": ("text-bg-success", _("Ahead")),
    "on_track": ("text-bg-primary", _("On track")),
    "no_data": ("text-bg-secondary", _("No actual yet")),
    "not_started": ("text-bg-secondary", _("Not started")),
}


@register.filter
def status_badge(status: str) -> str:
    """An account status's badge colour (onboarding and anything new: info)."""
    return STATUS_BADGES.get(status, "text-bg-info")


@register.filter
def severity_badge(severity: str) -> str:
    """An incident severity's badge colour (low: light, outlined)."""
    return SEVERITY_BADGES.get(severity, "text-bg-light border")


@register.filter
def kind_icon(kind: str) -> str:
    """An activity kind's Bootstrap icon (a note: a sticky note)."""
    return KIND_ICONS.get(kind, "bi-sticky")


@register.filter
def objective_badge(state: str) -> str:
    return OBJECTIVE_STATES.get(state, OBJECTIVE_STATES["not_started"])[0]


@register.filter
def objective_state(state: str) -> str:
    return OBJECTIVE_STATES.get(state, OBJECTIVE_STATES["not_started"])[1]
