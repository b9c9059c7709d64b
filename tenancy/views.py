"""Pages of tenancy: login, choosing an organisation, people, teams, tokens, preferences.

Each view parses, calls one selector or service, and renders the page, or its
partial for an htmx request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from config.forms import submit
from tenancy import selectors, services
from tenancy.auth import client_address, login_refusal, mark_signed_in
from tenancy.exports import EXPORT_KINDS
from tenancy.filters import MembershipFilter, TeamFilter
from tenancy.forms import (
    ApiTokenForm,
    LanguageForm,
    LoginForm,
    MembershipAddForm,
    MembershipRolesForm,
    PreferencesForm,
    TeamForm,
)
from tenancy.htmx import render
from tenancy.models import ExportStatus
from tenancy.permissions import can_manage_people, can_manage_teams, page_permission

PAGE_SIZE = 50


def _safe_next(request: HttpRequest, next_url: str, default: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default


# --- Signing in ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "", "")
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or "home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, login_refusal(email, client_address(request)))
        else:
            login(request, user)
            mark_signed_in(request)
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
    invitations = selectors.invitation_list_for_person(user=request.user)
    if len(organizations) == 1 and not invitations:
        return redirect("org_home", org_slug=organizations[0].slug)
    context = {"organizations": organizations, "invitations": invitations}
    return TemplateResponse(request, "tenancy/choose_organization.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next", ""), "/")
    form = LanguageForm(request.POST)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_preferences(user=request.user, language=language)
        request.session["language"] = language
    else:
        messages.error(request, _("Unknown language."))
    if request.htmx:
        return HttpResponseClientRedirect(next_url)
    return redirect(next_url)


# --- Invitations (before the person belongs to the organisation) ------------------------------


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    context = {"invitations": selectors.invitation_list_for_person(user=request.user)}
    return TemplateResponse(request, "tenancy/invitations.html", context)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Accept or decline one of one's own invitations; anyone else's answers 404."""
    if request.POST.get("answer") == "accept":
        membership = services.invitation_accept(user=request.user, invitation_id=invitation_id)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
        return redirect("org_home", org_slug=membership.organization.slug)
    services.invitation_decline(user=request.user, invitation_id=invitation_id)
    messages.info(request, _("Invitation declined."))
    return redirect("invitations")


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
    if request.method == "POST" and submit(form, lambda data: services.user_set_preferences(user=user, **data)):
        request.session["language"] = form.cleaned_data["language"]
        messages.success(request, _("Preferences saved."))
        return redirect("preferences", org_slug=org_slug)
    return render(request, "tenancy/preferences.html", {"form": form}, status=400 if form.errors else 200)


def _page_of(request: HttpRequest, filterset) -> dict:
    """One page of a list's FilterSet, with what the shared list partials need."""
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "filter": filterset,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "sort": request.GET.get("sort", ""),
    }


# --- People --------------------------------------------------------------------------------


@page_permission(can_manage_people)
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = MembershipAddForm(request.POST or None)
    if request.method == "POST":
        added = submit(
            form,
            lambda data: services.membership_add(organization=organization, actor=request.membership, **data),
        )
        if added is not None:
            # The same answer whether the email had an AccountDesk account or not: the name as typed.
            messages.success(request, _("%(name)s was added.") % {"name": form.cleaned_data["full_name"]})
            form = MembershipAddForm()
    filterset = MembershipFilter(request.GET, queryset=selectors.membership_list(organization=organization))
    context = {
        "form": form,
        "invitations": selectors.invitation_list(organization=organization),
        **_page_of(request, filterset),
    }
    status = 400 if form.errors else 200
    return render(request, "tenancy/people.html", context, partial="people-panel", status=status)


@page_permission(can_manage_people)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    membership = selectors.membership_get(organization=request.organization, membership_id=membership_id)
    prefix = f"m{membership.pk}"
    form = None
    if request.method == "GET" and request.GET.get("edit") == "1":
        form = MembershipRolesForm(initial={"roles": membership.roles}, prefix=prefix)
    elif request.method == "POST":
        form = MembershipRolesForm(request.POST, prefix=prefix)
        changed = submit(
            form,
            lambda data: services.membership_change_roles(
                organization=request.organization, actor=request.membership, membership=membership, roles=data["roles"]
            ),
        )
        if changed is not None:
            messages.success(request, _("Roles of %(name)s saved.") % {"name": changed.user})
            if not request.htmx:
                return redirect("people", org_slug=org_slug)
            membership, form = changed, None
    context = {"m": membership, "form": form, "editing": form is not None}
    status = 400 if request.method == "POST" and form is not None else 200
    return render(request, "tenancy/person_edit.html", context, partial="person-row", status=status)


@page_permission(can_manage_people)
@require_POST
def person_set_active(request: HttpRequest, org_slug: str, membership_id: int) -> HttpResponse:
    membership = selectors.membership_get(organization=request.organization, membership_id=membership_id)
    is_active = request.POST.get("is_active") == "1"
    membership = services.membership_set_active(
        organization=request.organization, actor=request.membership, membership=membership, is_active=is_active
    )
    if is_active:
        messages.success(request, _("%(name)s can sign in again.") % {"name": membership.user})
    else:
        messages.success(request, _("%(name)s was deactivated and has lost access.") % {"name": membership.user})
    if not request.htmx:
        return redirect("people", org_slug=org_slug)
    context = {"m": membership, "form": None, "editing": False}
    return render(request, "tenancy/person_edit.html", context, partial="person-row")


@page_permission(can_manage_people)
@require_POST
def invitation_cancel(request: HttpRequest, org_slug: str, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_get(organization=request.organization, invitation_id=invitation_id)
    services.invitation_cancel(organization=request.organization, actor=request.membership, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("people", org_slug=org_slug)


# --- Teams ---------------------------------------------------------------------------------


@page_permission(can_manage_teams)
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = TeamForm(request.POST or None, organization=organization)
    if request.method == "POST":
        team = submit(
            form, lambda data: services.team_create(organization=organization, actor=request.membership, **data)
        )
        if team is not None:
            messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
            form = TeamForm(organization=organization)
    filterset = TeamFilter(request.GET, queryset=selectors.team_list(organization=organization))
    context = {"form": form, **_page_of(request, filterset)}
    status = 400 if form.errors else 200
    return render(request, "tenancy/teams.html", context, partial="teams-panel", status=status)


@page_permission(can_manage_teams)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
    organization = request.organization
    team = selectors.team_get(organization=organization, team_id=team_id)
    members = list(team.team_members.all())
    initial = {
        "name": team.name,
        "leads": [tm.membership_id for tm in members if tm.is_lead],
        "members": [tm.membership_id for tm in members if not tm.is_lead],
    }
    form = TeamForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.team_update(organization=organization, actor=request.membership, team=team, **data),
        )
        if saved is not None:
            messages.success(request, _("Team %(name)s saved.") % {"name": saved.name})
            if request.htmx:
                return HttpResponseClientRedirect(
                    request.build_absolute_uri(reverse("teams", kwargs={"org_slug": org_slug}))
                )
            return redirect("teams", org_slug=org_slug)
    status = 400 if form.errors else 200
    return render(request, "tenancy/team_edit.html", {"team": team, "form": form}, partial="team-form", status=status)


@page_permission(can_manage_teams)
@require_POST
def team_delete(request: HttpRequest, org_slug: str, team_id: int) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, team_id=team_id)
    services.team_delete(organization=request.organization, actor=request.membership, team=team)
    messages.success(request, _("Team %(name)s was deleted.") % {"name": team.name})
    if request.htmx:
        return HttpResponseClientRedirect(reverse("teams", kwargs={"org_slug": org_slug}))
    return redirect("teams", org_slug=org_slug)


# --- API tokens (one's own) -------------------------------------------------------------------


def _tokens_page(request: HttpRequest, form: ApiTokenForm, secret: str | None, status: int = 200) -> HttpResponse:
    tokens = selectors.api_token_list(organization=request.organization, membership=request.membership)
    context = {"form": form, "secret": secret, "tokens": tokens}
    return render(request, "tenancy/tokens.html", context, partial="tokens-panel", status=status)


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST":
        made = submit(
            form,
            lambda data: services.api_token_create(
                organization=request.organization, membership=request.membership, **data
            ),
        )
        if made is not None:
            token, secret = made
            messages.success(
                request, _("Token %(name)s created. Copy it now: it is shown only once.") % {"name": token.name}
            )
            form = ApiTokenForm()
    return _tokens_page(request, form, secret, status=400 if form.errors else 200)


@require_POST
def token_revoke(request: HttpRequest, org_slug: str, token_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    token = selectors.api_token_get(organization=organization, membership=membership, token_id=token_id)
    services.api_token_revoke(organization=organization, membership=membership, token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    if not request.htmx:
        return redirect("tokens", org_slug=org_slug)
    return _tokens_page(request, ApiTokenForm(), None)


# --- Exports prepared in the background ------------------------------------------------------


@require_GET
def export_detail(request: HttpRequest, org_slug: str, export_id: int) -> HttpResponse:
    """How far along an export is; htmx asks again every second (the `status` partial) until it
    is ready or failed, then it offers the file."""
    export = selectors.export_of_requester(
        organization=request.organization, membership=request.membership, export_id=export_id
    )
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
    export = selectors.export_of_requester(
        organization=request.organization, membership=request.membership, export_id=export_id
    )
    if export.status != ExportStatus.DONE or not export.file or not default_storage.exists(export.file):
        raise Http404
    name = export.file.rsplit("/", 1)[-1].rsplit("-", 1)[0] + f".{export.file_format}"  # without the random part
    return FileResponse(default_storage.open(export.file, "rb"), as_attachment=True, filename=name)
