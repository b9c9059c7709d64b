"""Tenant resolution (layer 1), the scope around the view (layers 2 and 3), and UI plumbing."""

from __future__ import annotations

import json
import re
import zoneinfo

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from rest_framework.permissions import SAFE_METHODS

from config.errors import api_error_response, page_not_found
from tenancy.auth import SIGNED_IN_AT
from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.selectors import api_token_mark_used, membership_for_request, one_or_none

TENANT_PATH = re.compile(r"^/(?P<api>api/v1/)?o/(?P<org_slug>[-a-zA-Z0-9_]+)(?:/|$)")


class TenantMiddleware:
    """Resolve /o/<slug>/… and /api/v1/o/<slug>/… to an organisation and a membership.

    "No such organisation", "not a member", "membership deactivated" and "token of
    another organisation" all answer the same 404. The transaction, the scope and
    the database setting open here, before the view, and close after the response
    is rendered, so nothing of one request survives into the next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = TENANT_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        is_api = bool(match.group("api"))
        request.is_api = is_api
        # Tokens are for programs: the API only. A page answers to the browser session.
        bearer = _bearer_token(request) if is_api else None
        if bearer is None and not request.user.is_authenticated:
            # Same answer for every slug, existing or not.
            if is_api:
                return api_error_response(401, "not_authenticated", "Authentication credentials were not provided.")
            return redirect_to_login(request.get_full_path(), redirect_field_name=REDIRECT_FIELD_NAME)

        organization = one_or_none(Organization.objects.filter(slug=match.group("org_slug"), is_active=True))
        if organization is None:
            return _not_found(request, is_api)

        # The request's transaction is the scope's. Only the organisation: the person's
        # memberships elsewhere stay hidden from every query of the request (the switcher
        # opens user_scope for its one read).
        with tenant_scope(organization):
            resolved = membership_for_request(organization=organization, user=request.user, bearer=bearer)
            if resolved.error is not None:
                return api_error_response(401, resolved.error, resolved.message)
            if resolved.membership is None:
                return _not_found(request, is_api)
            token = resolved.token
            if token is None and resolved.membership.signed_in_before_reactivation(request.session.get(SIGNED_IN_AT)):
                # Access was given back after this session signed in: the person signs in afresh.
                logout(request)
                return _sign_in_afresh(request, is_api)
            if token is not None and not token.may_write and request.method not in SAFE_METHODS:
                return api_error_response(403, "token_read_only", "This API token may only read.")
            request.organization = organization
            request.membership = resolved.membership
            request.api_token = token
            if token is not None:
                request.user = resolved.membership.user
                # A token request carries no session: it must never be CSRF-checked as one.
                request._dont_enforce_csrf_checks = True
            _activate_the_persons_settings(request, organization)
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response = response.render()
            if response.status_code >= 400:
                # A refusal, or an exception Django turned into a response below us:
                # nothing of the request may be committed.
                transaction.set_rollback(True)
            elif resolved.token is not None and response.status_code < 400:
                api_token_mark_used(organization=organization, token=resolved.token)
            return response


def _activate_the_persons_settings(request: HttpRequest, organization: Organization) -> None:
    """The person's time zone, else the organisation's, for pages and the API alike (a naive
    time in an API request is read in it, as in a form). On pages, a person who never chose a
    language (in this session or in their preferences) reads the organisation's."""
    user = request.membership.user
    timezone.activate(zoneinfo.ZoneInfo(user.time_zone or organization.time_zone))
    if request.api_token is None and not request.session.get("language") and not user.language:
        translation.activate(organization.default_language)
        request.LANGUAGE_CODE = translation.get_language()


def _sign_in_afresh(request: HttpRequest, is_api: bool) -> HttpResponse:
    if is_api:
        return api_error_response(401, "not_authenticated", "Authentication credentials were not provided.")
    return redirect_to_login(request.get_full_path(), redirect_field_name=REDIRECT_FIELD_NAME)


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in {"bearer", "token"} and value.strip():
        return value.strip()
    return None


def _not_found(request: HttpRequest, is_api: bool) -> HttpResponse:
    if is_api:
        return api_error_response(404, "not_found", "Not found.")
    return page_not_found(request, None)


class UserLanguageMiddleware:
    """The language chosen in this session, else the person's saved one, else (inside an
    organisation, set by the tenant middleware once it knows it) the organisation's, else the
    browser's, else English. Also the person's time zone, else their organisation's (the tenant
    middleware again)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = request.session.get("language")
        if not language and user is not None and user.is_authenticated:
            language = user.language
        if not language:
            language = translation.get_language_from_request(request)
        time_zone = user.time_zone if user is not None and user.is_authenticated else ""
        if time_zone:
            timezone.activate(zoneinfo.ZoneInfo(time_zone))
        else:
            timezone.deactivate()
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class HtmxMessagesMiddleware:
    """Django messages ride on htmx responses as an HX-Trigger event, shown as toasts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code in (301, 302):
            return response
        if "HX-Redirect" in response.headers or "HX-Location" in response.headers:
            return response
        pending = [{"level": m.level_tag, "text": str(m.message)} for m in messages.get_messages(request)]
        if pending:
            trigger = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
            trigger["accountdesk:messages"] = pending
            response.headers["HX-Trigger"] = json.dumps(trigger)
        return response
