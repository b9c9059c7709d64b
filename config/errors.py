"""One error type for business rules, one JSON error shape, and friendly error pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A refusal by a business rule. `message` is for people; `extra` maps fields to messages."""

    def __init__(self, message: str, extra: dict | None = None, *, code: str = "invalid", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.code = code
        self.status = status


def not_found() -> ApplicationError:
    """The refusal of what the person may not see, said as of what does not exist (a 404)."""
    return ApplicationError(_("Not found."), code="not_found", status=404)


def refusal_messages(error: ApplicationError | ValidationError) -> tuple[str, dict[str, str]]:
    """A refusal as (the sentence for people, {field: its first message}), whichever way a
    service said it: an ApplicationError, or a ValidationError from full_clean() or a
    constraint (a dict of fields, a list, or one message)."""
    if isinstance(error, ApplicationError):
        return error.message, {field: str(message) for field, message in error.extra.items()}
    if hasattr(error, "error_dict"):
        fields = {field: str(texts[0]) for field, texts in error.message_dict.items() if texts}
        general = fields.pop(NON_FIELD_ERRORS, None)
        first = general or next(iter(fields.values()), _("Some fields need attention."))
        if general is None and len(fields) > 1:
            first = _("Some fields need attention.")
        return first, fields
    return " ".join(str(m) for m in error.messages), {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The API's only error shape: {"error": {"code", "message", "fields"}}."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_error_response(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    template = loader.get_template("errors/error.html")
    return HttpResponse(template.render({"status": status, "title": title, "text": text}, request), status=status)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return api_error_response(404, "not_found", "Not found.")
    return _page(request, 404, _("Page not found"), _("There is nothing here, or it is not yours to see."))


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return api_error_response(403, "permission_denied", "You do not have permission to perform this action.")
    return _page(request, 403, _("Not allowed"), _("You can see this, but your role does not let you change it."))


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return api_error_response(400, "bad_request", "The request could not be understood.")
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return api_error_response(500, "server_error", "Something went wrong on our side. It has been logged.")
    try:
        return _page(
            request,
            500,
            _("Something went wrong"),
            _("Something went wrong on our side. It has been logged; please try again."),
        )
    except Exception:  # the error page itself must never fail
        return HttpResponse("Server error", status=500, content_type="text/plain")


def method_not_allowed_page(get_response):
    """Middleware, innermost: a browser that asks an address for a method it does not take (a
    bookmarked form's POST address, say) gets a page saying so instead of Django's empty 405.
    The API's views answer 405 in their own error shape already. The Allow header stays."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != 405 or getattr(response, "content", b"") or _is_api(request):
            return response
        page = _page(
            request,
            405,
            _("Not here"),
            _("This address is not a page: it takes what a form on its page sends. Go back to that page."),
        )
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page

    return middleware


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return api_error_response(403, "csrf_failed", "CSRF check failed. Reload the page and try again.")
    return _page(
        request,
        403,
        _("Security check failed"),
        _("Your form expired or came from somewhere else. Reload the page and try again."),
    )


def _back(request: HttpRequest) -> str:
    """Where the person came from, when it is this site; else the organisation's home."""
    back = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    organization = getattr(request, "organization", None)
    return reverse("org_home", kwargs={"org_slug": organization.slug}) if organization else "/"


class RefusalMiddleware:
    """The one place a page's exception becomes a response (the API has its exception handler).

    - a row that does not exist, or that this person may not see (`DoesNotExist`, an
      ApplicationError with status 404): the 404 page, the same for both;
    - "may see but not change" (`PermissionDenied`, an ApplicationError with status 403): 403;
    - any other refusal a view did not put on its form (ApplicationError, ValidationError): its
      message where the person came from; nothing was written. An htmx request gets the message
      as a toast and a 400 that swaps nothing.

    A view with a form puts refusals on the form instead, with `config.forms.submit`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _is_api(request):
            return None
        if isinstance(exception, ObjectDoesNotExist):
            return page_not_found(request, Http404())
        if isinstance(exception, ApplicationError) and exception.status in (403, 404):
            handler = page_not_found if exception.status == 404 else permission_denied
            return handler(request, PermissionDenied(exception.message))
        if isinstance(exception, (ApplicationError, ValidationError)):
            message, _fields = refusal_messages(exception)
            messages.error(request, message)
            if getattr(request, "htmx", False):
                return HttpResponse("", status=400)
            return redirect(_back(request))
        return None
