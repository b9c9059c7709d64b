"""The list pattern's page context, the same for every list page: the FilterSet, the page of
rows, the sort as read (for the sort headers), the query without the page (for the exports and
the pagination) and how many filters are on."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def list_context(
    request: HttpRequest, filterset, default_sort: str, filter_names: tuple[str, ...], page_size: int = PAGE_SIZE
) -> dict:
    paginator = Paginator(filterset.qs, page_size)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or [default_sort]
    return {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "query": query_without_page(request),
        "active_filters": sum(1 for name in filter_names if request.GET.get(name)),
    }
