from django.conf import settings


def tenant(request):
    """The organisation and membership the page is for."""
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "LANGUAGE_CHOICES": settings.LANGUAGES,
    }
