"""One view, two answers: the page for a normal request, its partial for an htmx request."""

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers


def render(
    request: HttpRequest, template: str, context: dict, partial: str | None = None, status: int = 200
) -> TemplateResponse:
    """`template#partial` for htmx, the whole `template` otherwise.

    A history restore after a cache miss swaps the whole body, so it gets the page. The same
    URL answering a page or a fragment must not share a cache entry: Vary on HX-Request.
    """
    use_partial = bool(partial) and bool(request.htmx) and not request.htmx.history_restore_request
    response = TemplateResponse(request, f"{template}#{partial}" if use_partial else template, context, status=status)
    if partial:
        patch_vary_headers(response, ["HX-Request"])
    return response
