from django.conf import settings


def tenant(request):
    """The organisation and membership the page is for."""
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        # What the top bar's search box shows: the search page's words, empty elsewhere (a
        # list's `query` is its filters, for its own links).
        "search_query": "",
    }
