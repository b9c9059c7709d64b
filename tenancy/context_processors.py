from django.conf import settings

from tenancy.permissions import can_manage_people, can_manage_teams

# The navigation link of a page: by the first part of its path after /o/<slug>/.
NAV_SECTIONS = {
    "my-day": "my_day",
    "portfolio": "portfolio",
    "accounts": "portfolio",
    "clients": "clients",
    "contacts": "clients",
    "catalog": "catalog",
    "billing": "billing",
    "offers": "offers",
    "incidents": "incidents",
    "people": "people",
    "teams": "teams",
    "settings": "settings",
    "tokens": "tokens",
    "preferences": "preferences",
}


def _nav_section(request) -> str:
    parts = request.path_info.split("/", 5)  # "", "o", slug, first, second, rest
    if len(parts) < 4 or parts[1] != "o":
        return ""
    if parts[3] == "":
        return "home"
    if parts[3] == "billing" and len(parts) > 4:
        # Billing's pages each have their link: /billing/payments/… is "payments".
        return parts[4].split("/", 1)[0] or "billing"
    return NAV_SECTIONS.get(parts[3], "")


def tenant(request):
    """The organisation and membership the page is for, and its navigation section."""
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    return {
        "organization": organization,
        "nav_section": _nav_section(request) if organization is not None else "",
        "membership": membership,
        # What the navigation and the home page offer, asked of tenancy.permissions.
        "may_manage_people": can_manage_people(membership),
        "may_manage_teams": can_manage_teams(membership),
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        # What the top bar's search box shows: the search page's words, empty elsewhere (a
        # list's `query` is its filters, for its own links).
        "search_query": "",
    }
