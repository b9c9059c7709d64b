from django.conf import settings
from django.utils.functional import SimpleLazyObject

from tenancy.selectors import organization_list_for_user


def tenant(request):
    """The organisation and membership the page is for, and the person's organisations
    for the switcher (read only when the top bar renders)."""
    user = getattr(request, "user", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "user_organizations": SimpleLazyObject(lambda: organization_list_for_user(user=user) if user is not None else []),
    }
