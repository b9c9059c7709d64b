"""Pages of tenancy: login, choosing an organisation, people, teams, tokens, preferences.

Each view parses, calls one selector or service, and renders the page, or its
partial for an htmx request.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from config.errors import ApplicationError
from tenancy import selectors, services
from tenancy.auth import client_address, login_is_throttled
from tenancy.exports import EXPORT_KINDS
from tenancy.forms import (
    ApiTokenForm,
    LoginForm,
    MembershipAddForm,
    MembershipRolesForm,
    PreferencesForm,
    TeamForm,
    add_application_error,
)
from tenancy.htmx import render
from tenancy.models import ApiToken, Export, ExportStatus, Membership, Role, Team


def require_role(*roles: Role):
    """Members without one of `roles` get 403: they may know the page exists."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not any(request.membership.has_role(role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Signing in ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or "home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if login_is_throttled(email, client_address(request)):
            form.add_error(None, _("Too many failed attempts. Wait a few minutes and try again."))
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                form.add_error(None, _("The email or the password is not right."))
            else:
                login(request, user)
                if user.language:
                    request.session["language"] = user.language
                return redirect(next_url or "home")
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "tenancy/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organizations = selectors.organization_list_for_user(user=request.user)
    if len(organizations) == 1:
        return redirect("org_home", org_slug=organizations[0].slug)
    return TemplateResponse(request, "tenancy/choose_organization.html", {"organizations": organizations})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    try:
        if request.user.is_authenticated:
            services.user_set_preferences(user=request.user, language=language)
        elif language not in dict(settings.LANGUAGES):
            raise ApplicationError(_("Unknown language."))
        request.session["language"] = language
    except ApplicationError as error:
        messages.error(request, error.message)
    if request.htmx:
        return HttpResponseClientRedirect(next_url)
    return redirect(next_url)


# --- Inside an organisation ---------------------------------------------------------------


def org_home(request: HttpRequest, org_slug: str) -> HttpResponse:
    return TemplateResponse(request, "tenancy/org_home.html", {})


@require_GET
@vary_on_headers("HX-Request")
def organization_switcher(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The top bar's list of the person's organisations, asked for when the switcher opens;
    without htmx, the page for choosing one."""
    if not request.htmx:
        return redirect("home")
    organizations = selectors.organization_list_for_user(user=request.user)
    return TemplateResponse(request, "base.html#org-switcher", {"organizations": organizations})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, org_slug: str) -> HttpResponse:
    user = request.user
    form = PreferencesForm(
        request.POST or None, initial={"language": user.language or request.LANGUAGE_CODE, "time_zone": user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_preferences(
                user=user, language=form.cleaned_data["language"], time_zone=form.cleaned_data["time_zone"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            request.session["language"] = form.cleaned_data["language"]
            messages.success(request, _("Preferences saved."))
            return redirect("preferences", org_slug=org_slug)
    return render(request, "tenancy/preferences.html", {"form": form}, status=400 if form.errors else 200)


# --- People --------------------------------------------------------------------------------


@require_role(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = MembershipAddForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                membership = services.membership_add(
                    organization=organization, actor=request.membership, **form.cleaned_data
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": membership.user})
                form = MembershipAddForm()
        status = 400 if form.errors else 200
    context = {"form": form, "memberships": selectors.membership_list(organization=organization)}
    return render(request, "tenancy/people.html", context, partial="people-panel", status=status)


def _membership_or_404(request: HttpRequest, membership_id: int) -> Membership:
    try:
        return selectors.membership_get(organization=request.organization, membership_id=membership_id)
    except Membership.DoesNotExist:
        raise Http404


@require_role(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    prefix = f"m{membership.pk}"
    form = None
    status = 200
    if request.method == "GET":
        if request.GET.get("edit") == "1":
            form = MembershipRolesForm(initial={"roles": membership.roles}, prefix=prefix)
    else:
        form = MembershipRolesForm(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                membership = services.membership_change_roles(
                    organization=request.organization,
                    actor=request.membership,
                    membership=membership,
                    roles=form.cleaned_data["roles"],
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Roles of %(name)s saved.") % {"name": membership.user})
                if not request.htmx:
                    return redirect("people", org_slug=org_slug)
                form = None
        if form is not None:
            status = 400
    context = {"m": membership, "form": form, "editing": form is not None}
    return render(request, "tenancy/person_edit.html", context, partial="person-row", status=status)


@require_role(Role.ADMIN)
@require_POST
def person_set_active(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    is_active = request.POST.get("is_active") == "1"
    try:
        membership = services.membership_set_active(
            organization=request.organization, actor=request.membership, membership=membership, is_active=is_active
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        status = 400
    else:
        status = 200
        if is_active:
            messages.success(request, _("%(name)s can sign in again.") % {"name": membership.user})
        else:
            messages.success(request, _("%(name)s was deactivated and has lost access.") % {"name": membership.user})
    if not request.htmx:
        return redirect("people", org_slug=org_slug)
    return render(
        request,
        "tenancy/person_edit.html",
        {"m": membership, "form": None, "editing": False},
        partial="person-row",
        status=status,
    )


# --- Teams ---------------------------------------------------------------------------------


@require_role(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = TeamForm(request.POST or None, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team = services.team_create(
                    organization=organization,
                    actor=request.membership,
                    name=form.cleaned_data["name"],
                    lead_ids=[m.pk for m in form.cleaned_data["leads"]],
                    member_ids=[m.pk for m in form.cleaned_data["members"]],
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
                form = TeamForm(organization=organization)
        status = 400 if form.errors else 200
    context = {"form": form, "teams": selectors.team_list(organization=organization)}
    return render(request, "tenancy/teams.html", context, partial="teams-panel", status=status)


@require_role(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
    organization = request.organization
    try:
        team = selectors.team_get(organization=organization, team_id=team_id)
    except Team.DoesNotExist:
        raise Http404
    members = list(team.team_members.all())
    initial = {
        "name": team.name,
        "leads": [tm.membership_id for tm in members if tm.is_lead],
        "members": [tm.membership_id for tm in members if not tm.is_lead],
    }
    form = TeamForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                organization=organization,
                actor=request.membership,
                team=team,
                name=form.cleaned_data["name"],
                lead_ids=[m.pk for m in form.cleaned_data["leads"]],
                member_ids=[m.pk for m in form.cleaned_data["members"]],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": form.cleaned_data["name"]})
            if request.htmx:
                return HttpResponseClientRedirect(request.build_absolute_uri(f"/o/{org_slug}/teams/"))
            return redirect("teams", org_slug=org_slug)
    status = 400 if form.errors else 200
    return render(request, "tenancy/team_edit.html", {"team": team, "form": form}, partial="team-form", status=status)


@require_role(Role.ADMIN)
@require_POST
def team_delete(request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
    try:
        team = selectors.team_get(organization=request.organization, team_id=team_id)
    except Team.DoesNotExist:
        raise Http404
    services.team_delete(organization=request.organization, actor=request.membership, team=team)
    messages.success(request, _("Team %(name)s was deleted.") % {"name": team.name})
    if request.htmx:
        return HttpResponseClientRedirect(f"/o/{org_slug}/teams/")
    return redirect("teams", org_slug=org_slug)


# --- API tokens (one's own) -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                organization=organization,
                membership=membership,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request, _("Token %(name)s created. Copy it now: it is shown only once.") % {"name": token.name}
            )
            form = ApiTokenForm()
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "secret": secret,
        "tokens": selectors.api_token_list(organization=organization, membership=membership),
    }
    return render(request, "tenancy/tokens.html", context, partial="tokens-panel", status=status)


@require_POST
def token_revoke(request: HttpRequest, org_slug: str, token_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    try:
        token = selectors.api_token_get(organization=organization, membership=membership, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404
    services.api_token_revoke(organization=organization, membership=membership, token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    if not request.htmx:
        return redirect("tokens", org_slug=org_slug)
    context = {
        "form": ApiTokenForm(),
        "secret": None,
        "tokens": selectors.api_token_list(organization=organization, membership=membership),
    }
    return render(request, "tenancy/tokens.html", context, partial="tokens-panel")


# --- Exports prepared in the background ------------------------------------------------------


def _export_or_404(request: HttpRequest, export_id: int) -> Export:
    try:
        return selectors.export_of_requester(
            organization=request.organization, membership=request.membership, export_id=export_id
        )
    except Export.DoesNotExist:
        raise Http404


@require_GET
def export_detail(request: HttpRequest, org_slug: str, export_id: int) -> HttpResponse:
    """How far along an export is; htmx asks again every second (the `status` partial) until it
    is ready or failed, then it offers the file."""
    export = _export_or_404(request, export_id)
    progress = {"done": export.rows_total, "total": export.rows_total}
    if not export.is_finished:
        progress = cache.get(services.export_progress_key(request.organization, export.pk)) or {"done": 0, "total": 0}
    kind = EXPORT_KINDS.get(export.kind)
    list_url = (
        reverse(kind.list_url_name, kwargs={"org_slug": org_slug}) + (f"?{export.query}" if export.query else "")
        if kind
        else None
    )
    context = {
        "export": export,
        "label": kind.label if kind else export.kind,
        "list_url": list_url,
        "rows_done": progress["done"],
        "rows_total": progress["total"],
    }
    return render(request, "tenancy/export.html", context, partial="status")


@require_GET
def export_download(request: HttpRequest, org_slug: str, export_id: int) -> HttpResponse:
    export = _export_or_404(request, export_id)
    if export.status != ExportStatus.DONE or not export.file or not default_storage.exists(export.file):
        raise Http404
    name = export.file.rsplit("/", 1)[-1].rsplit("-", 1)[0] + f".{export.file_format}"  # without the random part
    return FileResponse(default_storage.open(export.file, "rb"), as_attachment=True, filename=name)
