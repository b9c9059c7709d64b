"""Pages of accounts: the portfolio, the account 360, my day, incidents, search, settings.

Each view parses, calls one selector or service, and renders the page, or its partial for an
htmx request. Who may see an account is decided by accounts.selectors; who may change what by
accounts.services.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts import selectors, services
from accounts.exports import INCIDENT_ORDER, incident_filter, portfolio_filter
from accounts.forms import (
    AccountForm,
    AccountTeamForm,
    ActivityForm,
    ActualForm,
    IncidentForm,
    IncidentUpdateForm,
    ObjectiveForm,
    PortfolioSettingsForm,
    ReassignForm,
    RiskRatingForm,
    people_choices,
)
from accounts.models import Account, RiskRating
from clients.selectors import client_get
from config.errors import ApplicationError
from tenancy import services as tenancy_services
from tenancy.exports import EXPORT_KINDS, export_bytes, file_response
from tenancy.forms import add_application_error
from tenancy.htmx import render
from tenancy.models import Role

PAGE_SIZE = 25


def _not_found_on_missing(view):
    """An object that does not exist, or that this person may not see, is the same 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404
        except ApplicationError as error:
            if error.status == 404:
                raise Http404
            if error.status == 403:
                raise PermissionDenied(error.message)
            # Any other refusal: say why where the person came from; nothing was written.
            messages.error(request, error.message)
            if request.htmx:
                return HttpResponse("", status=400)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                back = reverse("portfolio", kwargs={"org_slug": kwargs.get("org_slug", request.organization.slug)})
            return redirect(back)

    return wrapped


def _account(request: HttpRequest, account_id: int) -> Account:
    return selectors.account_get(
        organization=request.organization, membership=request.membership, account_id=account_id
    )


# --- Portfolio ---------------------------------------------------------------------------------


def _portfolio(request: HttpRequest):
    return portfolio_filter(organization=request.organization, membership=request.membership, query=request.GET)


@require_GET
@_not_found_on_missing
def portfolio(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = _portfolio(request).offer_choices()
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    led = selectors.led_team_ids(organization=request.organization, membership=request.membership)
    context = {
        "filter": filterset,
        "page": page,
        "query": _query_without(request, "page"),
        "sort": request.GET.get("sort") or "name",
        "led_teams": led,
        "reassigning": False,
    }
    return render(request, "accounts/portfolio.html", context, partial="results")


def _export(request: HttpRequest, kind: str, file_format: str, list_name: str) -> HttpResponse:
    """A list's export, exactly as the list shows it. Up to EXPORT_INLINE_ROWS rows: the file at
    once. More: asked for with the list's export button (a POST), a Celery task prepares it and
    the export page shows its progress; a plain link (a GET, bookmarked) goes back to the list,
    which says so. Either way nothing is read that the person may not see."""
    built = EXPORT_KINDS[kind].build(
        organization=request.organization, membership=request.membership, query=request.GET
    )
    if built.total <= settings.EXPORT_INLINE_ROWS:
        return file_response(
            export_bytes(file_format, built.header, built.rows, built.sheet), f"{built.filename}.{file_format}"
        )
    back = reverse(list_name, kwargs={"org_slug": request.organization.slug})
    if request.method == "GET":
        messages.info(
            request,
            _("This list has %(rows)s rows: press its export button to have the file prepared.")
            % {"rows": built.total},
        )
        return redirect(f"{back}?{request.GET.urlencode()}" if request.GET else back)
    try:
        export = tenancy_services.export_request(
            organization=request.organization,
            actor=request.membership,
            kind=kind,
            file_format=file_format,
            query=request.GET.urlencode(),
            language=translation.get_language(),
            time_zone=timezone.get_current_timezone_name(),
        )
    except ApplicationError as error:  # filters too long to keep, or one still being prepared
        messages.error(request, error.message)
        if "export_id" in error.extra:
            back = reverse(
                "export_detail", kwargs={"org_slug": request.organization.slug, "export_id": error.extra["export_id"]}
            )
        return HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    url = reverse("export_detail", kwargs={"org_slug": request.organization.slug, "export_id": export.pk})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_http_methods(["GET", "POST"])
def portfolio_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return _export(request, "portfolio", fmt, "portfolio")


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- Account 360 ------------------------------------------------------------------------------


def _not_on_the_team(people: list[tuple[int, str]], data: selectors.Account360) -> list[tuple[int, str]]:
    """Whom the team form offers: not the owner, nor someone on the team already (both refused)."""
    taken = {data.account.owner_id, *(member.membership_id for member in data.team)}
    return [(pk, name) for pk, name in people if pk not in taken]


def _account_context(request: HttpRequest, account_id: int, **extra) -> dict:
    data = selectors.account_360(
        organization=request.organization, membership=request.membership, account_id=account_id
    )
    organization = request.organization
    people = people_choices(organization)
    context = {
        "d": data,
        "account": data.account,
        "activity_form": ActivityForm(
            organization=organization,
            client_id=data.account.client_id,
            people=people,
            contacts=data.contacts,
            initial={"next_step_owner": request.membership.pk},
        ),
        "team_form": AccountTeamForm(organization=organization, people=_not_on_the_team(people, data))
        if data.can_edit
        else None,
        "account_executives": people_choices(organization, account_executives_only=True) if data.can_reassign else None,
        "risk_form": RiskRatingForm(initial={"risk_rating": data.account.risk_rating}) if data.can_rate_risk else None,
        "today": timezone.localdate(),
        "objective_chart": [
            {
                "id": p.objective.pk,
                "points": p.points,
                "target": str(p.objective.target),
                "start": p.objective.period_start.isoformat(),
                "end": p.objective.period_end.isoformat(),
            }
            for p in data.objectives
        ],
        "open_objective_form": False,
        "open_incident_form": False,
    }
    context.update(extra)
    return context


@require_GET
@_not_found_on_missing
def account_detail(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    return TemplateResponse(request, "accounts/account_detail.html", _account_context(request, account_id))


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def account_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    if not (membership.is_admin or membership.is_sales_lead or membership.is_account_executive):
        raise PermissionDenied
    initial = {"owner": membership.pk if membership.is_account_executive else None, "client": request.GET.get("client")}
    form = AccountForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["client"], data["owner"] = data["client"].pk, data["owner"].pk
        data["sales_team"] = data["sales_team"].pk if data["sales_team"] else None
        try:
            account = services.account_create(organization=organization, actor=membership, **data)
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            add_application_error(form, error)
        else:
            messages.success(request, _("Account %(name)s opened.") % {"name": account.name})
            return redirect("account_detail", org_slug=org_slug, account_id=account.pk)
    return TemplateResponse(
        request, "accounts/account_form.html", {"form": form, "editing": False}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def account_edit(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    if not selectors.may_edit_account(
        organization=request.organization, membership=request.membership, account=account
    ):
        raise PermissionDenied
    initial = {
        f: getattr(account, f)
        for f in ("name", "currency", "payment_terms_days", "credit_limit", "tier", "status", "start_date")
    } | {"sales_team": account.sales_team_id}
    form = AccountForm(request.POST or None, organization=request.organization, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["sales_team"] = data["sales_team"].pk if data["sales_team"] else None
        changed = {k: v for k, v in data.items() if k in form.changed_data}
        try:
            services.account_update(
                organization=request.organization, actor=request.membership, account=account, **changed
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            add_application_error(form, error)
        else:
            messages.success(request, _("Account saved."))
            return redirect("account_detail", org_slug=org_slug, account_id=account.pk)
    return TemplateResponse(
        request,
        "accounts/account_form.html",
        {"form": form, "editing": True, "account": account},
        status=400 if form.errors else 200,
    )


def _portfolio_row(
    request: HttpRequest, account_id: int, *, led: set[int], reassigning: bool = False, status: int = 200
) -> HttpResponse:
    """One row of the portfolio, as the person sees it; with the owner select when reassigning
    (only ever asked for by someone who may reassign the account)."""
    account = (
        selectors.portfolio_list(organization=request.organization, membership=request.membership)
        .filter(pk=account_id)
        .first()
    )
    if account is None:  # reassigned out of this person's sight
        return HttpResponse("", status=status)
    context = {"a": account, "led_teams": led, "reassigning": reassigning}
    if reassigning:
        context["account_executives"] = people_choices(request.organization, account_executives_only=True)
    return TemplateResponse(request, "accounts/portfolio.html#row", context, status=status)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@_not_found_on_missing
def account_reassign(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: for htmx, a portfolio row with the owner select, or back without it (`view=1`);
    otherwise the account page, whose owner select works without JavaScript.
    POST: from the portfolio row (htmx: the row comes back) or from the account page.
    Only admins and the lead of the account's team get this far; others see 403."""
    account = _account(request, account_id)
    led = selectors.led_team_ids(organization=request.organization, membership=request.membership)
    if not selectors.can_reassign_account(membership=request.membership, account=account, led_teams=led):
        raise PermissionDenied
    if request.method == "GET":
        if not request.htmx:
            return TemplateResponse(request, "accounts/account_detail.html", _account_context(request, account_id))
        return _portfolio_row(request, account.pk, led=led, reassigning=request.GET.get("view") != "1")
    form = ReassignForm(request.POST, organization=request.organization)
    if not form.is_valid():
        messages.error(request, _("Choose an active account executive."))
        status = 400
    else:
        try:
            account = services.account_reassign(
                organization=request.organization,
                actor=request.membership,
                account=account,
                owner=form.cleaned_data["owner"].pk,
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(
                request,
                _("%(account)s now belongs to %(owner)s.") % {"account": account.name, "owner": account.owner.user},
            )
            status = 200
    if request.htmx and request.POST.get("from") == "portfolio":
        return _portfolio_row(request, account.pk, led=led, reassigning=status != 200, status=status)
    if request.htmx:
        return HttpResponseClientRedirect(
            reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": account_id})
        )
    return redirect("account_detail", org_slug=org_slug, account_id=account_id)


@require_POST
@_not_found_on_missing
def account_risk(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    if not selectors.can_rate_risk(membership=request.membership):
        raise PermissionDenied
    form = RiskRatingForm(request.POST)
    if form.is_valid():
        services.account_set_risk_rating(
            organization=request.organization,
            actor=request.membership,
            account=account,
            risk_rating=form.cleaned_data["risk_rating"],
        )
        messages.success(
            request,
            _("Risk rating set to %(rating)s.") % {"rating": RiskRating(form.cleaned_data["risk_rating"]).label},
        )
    else:
        messages.error(request, _("Choose a risk rating from the list."))
    return redirect("account_detail", org_slug=org_slug, account_id=account_id)


@require_POST
@_not_found_on_missing
def account_team_add(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    form = AccountTeamForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.account_team_member_add(
                organization=request.organization,
                actor=request.membership,
                account=account,
                membership=form.cleaned_data["membership"].pk,
                role=form.cleaned_data["role"],
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(name)s joined the account team.") % {"name": form.cleaned_data["membership"].user}
            )
    else:
        messages.error(request, _("Choose a person and their role."))
    return _back_to_account(request, org_slug, account_id)


@require_POST
@_not_found_on_missing
def account_team_remove(request: HttpRequest, org_slug: str, member_id: int) -> HttpResponse:
    member = selectors.account_team_member_get(
        organization=request.organization, membership=request.membership, member_id=member_id
    )
    services.account_team_member_remove(organization=request.organization, actor=request.membership, member=member)
    messages.success(request, _("%(name)s left the account team.") % {"name": member.membership.user})
    return _back_to_account(request, org_slug, member.account_id)


def _back_to_account(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    url = reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": account_id})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@_not_found_on_missing
def client_accounts(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    """The accounts of one client that this person may see, for the client's page (htmx)."""
    client = client_get(organization=request.organization, client_id=client_id)  # 404 when not this organisation's
    accounts = (
        selectors.visible_accounts(organization=request.organization, membership=request.membership)
        .filter(client=client)
        .select_related("owner__user")
        .order_by("name", "pk")
    )
    membership = request.membership
    context = {
        "accounts": accounts,
        "client_id": client_id,
        "may_open": membership.is_admin or membership.is_sales_lead or membership.is_account_executive,
    }
    return TemplateResponse(request, "accounts/client_accounts.html", context)


# --- Activities ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def account_activities(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: an older page of the timeline (htmx; without htmx, the account page).
    POST: log an activity; the timeline and the next steps come back (the form with its
    errors, when refused)."""
    account = _account(request, account_id)
    organization, membership = request.organization, request.membership
    if request.method == "GET":
        before = request.GET.get("before")
        if not request.htmx:
            return redirect("account_detail", org_slug=org_slug, account_id=account_id)
        activities, has_more = selectors.activity_timeline(
            organization=organization,
            membership=membership,
            account=account,
            before_id=int(before) if before and before.isdigit() else None,
        )
        response = TemplateResponse(
            request,
            "accounts/account_detail.html#timeline-page",
            {"account": account, "activities": activities, "has_more": has_more},
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    form = ActivityForm(request.POST, organization=organization, client_id=account.client_id)
    if form.is_valid():
        try:
            services.activity_log(organization=organization, actor=membership, account=account, **form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Activity logged."))
            if not request.htmx:
                return redirect("account_detail", org_slug=org_slug, account_id=account_id)
            context = _account_context(request, account_id)
            # The form asked to replace itself; on success the whole work area comes back, shown
            # from the timeline's top, where the new activity is.
            return reswap(
                retarget(TemplateResponse(request, "accounts/account_detail.html#work", context), "#work"),
                "outerHTML show:#timeline:top",
            )
    if not request.htmx:
        return TemplateResponse(
            request,
            "accounts/account_detail.html",
            _account_context(request, account_id, activity_form=form),
            status=400,
        )
    return TemplateResponse(
        request, "accounts/account_detail.html#activity-form", {"account": account, "activity_form": form}, status=400
    )


@require_GET
@_not_found_on_missing
def account_audit(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """An older page of the account page's audit trail (htmx); without htmx, the account page."""
    account = _account(request, account_id)
    before = request.GET.get("before", "")
    if not request.htmx or not before.isdigit():
        return redirect("account_detail", org_slug=org_slug, account_id=account_id)
    audit, has_more = selectors.account_audit_older(
        organization=request.organization, account=account, before_id=int(before)
    )
    response = TemplateResponse(
        request,
        "accounts/account_detail.html#audit-page",
        {"account": account, "audit": audit, "has_more_audit": has_more},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def activity_edit(request: HttpRequest, org_slug: str, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(
        organization=request.organization, membership=request.membership, activity_id=activity_id
    )
    form = None
    status = 200
    if request.method == "GET" and request.GET.get("edit") == "1":
        if not services.may_edit_activity(
            organization=request.organization, actor=request.membership, activity=activity
        ):
            raise PermissionDenied
        initial = {
            "kind": activity.kind,
            "occurred_at": activity.occurred_at,
            "duration_minutes": activity.duration_minutes,
            "summary": activity.summary,
            "outcome": activity.outcome,
            "contact_ids": [c.pk for c in activity.contact_list],
            "next_step": activity.next_step,
            "next_step_due": activity.next_step_due,
            "next_step_owner": activity.next_step_owner_id,
        }
        form = ActivityForm(
            organization=request.organization,
            client_id=activity.account.client_id,
            initial=initial,
            prefix=f"a{activity.pk}",
        )
    elif request.method == "POST":
        form = ActivityForm(
            request.POST,
            organization=request.organization,
            client_id=activity.account.client_id,
            prefix=f"a{activity.pk}",
        )
        if form.is_valid():
            try:
                services.activity_update(
                    organization=request.organization,
                    actor=request.membership,
                    activity=activity,
                    **form.service_data(),
                )
            except ApplicationError as error:
                if error.status == 403:
                    raise PermissionDenied(error.message)
                add_application_error(form, error)
            else:
                messages.success(request, _("Activity saved."))
                if not request.htmx:
                    return redirect("account_detail", org_slug=org_slug, account_id=activity.account_id)
                return HttpResponseClientRedirect(
                    reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": activity.account_id})
                )
        status = 400
    if form is None:
        activity.may_edit = services.may_edit_activity(
            organization=request.organization, actor=request.membership, activity=activity
        )
    context = {"activity": activity, "account": activity.account, "edit_form": form}
    return render(request, "accounts/activity_edit.html", context, partial="activity-item", status=status)


@require_POST
@_not_found_on_missing
def activity_done(request: HttpRequest, org_slug: str, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(
        organization=request.organization, membership=request.membership, activity_id=activity_id
    )
    is_done = request.POST.get("done", "1") == "1"
    services.activity_next_step_set_done(
        organization=request.organization, actor=request.membership, activity=activity, is_done=is_done
    )
    messages.success(request, _("Next step done.") if is_done else _("Next step reopened."))
    if request.htmx:
        return HttpResponse("", headers={"HX-Trigger": "accountdesk:next-step-done"})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": activity.account_id})
    return redirect(back)


# --- Objectives ------------------------------------------------------------------------------------


def _form_on_demand(request: HttpRequest, account: Account, partial: str, **forms) -> HttpResponse:
    """A form the account page keeps folded until asked for: for htmx just the form (the page
    loads it when the fold opens), otherwise the account page with the form open."""
    if request.htmx and not request.htmx.history_restore_request:
        context = {"account": account, **forms}
    else:
        context = _account_context(request, account.pk, **forms)
    return render(request, "accounts/account_detail.html", context, partial=partial)


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def objective_create(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: the new-objective form (see _form_on_demand), for who may change the account.
    POST: set the objective, or show the form again with what is wrong."""
    account = _account(request, account_id)
    if request.method == "GET":
        if not selectors.may_edit_account(
            organization=request.organization, membership=request.membership, account=account
        ):
            raise PermissionDenied
        return _form_on_demand(
            request, account, "objective-form", objective_form=ObjectiveForm(), open_objective_form=True
        )
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        try:
            services.objective_create(
                organization=request.organization, actor=request.membership, account=account, **form.cleaned_data
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            add_application_error(form, error)
        else:
            messages.success(request, _("Objective set."))
            return _back_to_account(request, org_slug, account_id)
    context = _account_context(request, account_id, objective_form=form, open_objective_form=True)
    return TemplateResponse(
        request,
        "accounts/account_detail.html#objectives" if request.htmx else "accounts/account_detail.html",
        context,
        status=400,
    )


@require_POST
@_not_found_on_missing
def objective_actual(request: HttpRequest, org_slug: str, objective_id: int) -> HttpResponse:
    objective = selectors.objective_get(
        organization=request.organization, membership=request.membership, objective_id=objective_id
    )
    form = ActualForm(request.POST)
    if form.is_valid():
        try:
            services.objective_actual_record(
                organization=request.organization, actor=request.membership, objective=objective, **form.cleaned_data
            )
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.message)
            add_application_error(form, error)
        else:
            messages.success(request, _("Actual recorded."))
            return _back_to_account(request, org_slug, objective.account_id)
    # Back on the account page, at this objective's card: what was typed, and what is wrong with it.
    refused = {
        "objective_id": objective.pk,
        "as_of": request.POST.get("as_of", ""),
        "value": request.POST.get("value", ""),
        "errors": [
            *form.non_field_errors(),
            *(
                f"{form.fields[name].label}: {error}"
                for name, errors in form.errors.items()
                if name in form.fields
                for error in errors
            ),
        ],
    }
    return TemplateResponse(
        request,
        "accounts/account_detail.html",
        _account_context(request, objective.account_id, refused_actual=refused),
        status=400,
    )


# --- Incidents ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def incident_create(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: the new-incident form (see _form_on_demand); anyone who sees the account may open
    one. POST: open the incident, or show the form again with what is wrong."""
    account = _account(request, account_id)
    if request.method == "GET":
        form = IncidentForm(organization=request.organization, people=people_choices(request.organization))
        return _form_on_demand(request, account, "incident-form", incident_form=form, open_incident_form=True)
    form = IncidentForm(request.POST, organization=request.organization)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["assignee"] = data["assignee"].pk if data["assignee"] else None
        try:
            incident = services.incident_open(
                organization=request.organization, actor=request.membership, account=account, **data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Incident %(title)s opened.") % {"title": incident.title})
            return _back_to_account(request, org_slug, account_id)
    context = _account_context(request, account_id, incident_form=form, open_incident_form=True)
    return TemplateResponse(
        request,
        "accounts/account_detail.html#incidents" if request.htmx else "accounts/account_detail.html",
        context,
        status=400,
    )


@require_GET
@_not_found_on_missing
def incidents(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = _incidents(request)
    ordered = filterset.qs.order_by(*INCIDENT_ORDER)
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "query": _query_without(request, "page")}
    return render(request, "accounts/incidents.html", context, partial="results")


def _incidents(request: HttpRequest):
    return incident_filter(organization=request.organization, membership=request.membership, query=request.GET)


@require_http_methods(["GET", "POST"])
def incidents_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return _export(request, "incidents", fmt, "incidents")


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def incident_detail(request: HttpRequest, org_slug: str, incident_id: int) -> HttpResponse:
    incident = selectors.incident_get(
        organization=request.organization, membership=request.membership, incident_id=incident_id
    )
    initial = {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity,
        "status": incident.status,
        "assignee": incident.assignee_id,
    }
    form = IncidentUpdateForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        if "assignee" in data:
            data["assignee"] = data["assignee"].pk if data["assignee"] else None
        try:
            services.incident_update(
                organization=request.organization, actor=request.membership, incident=incident, **data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Incident saved."))
            return redirect("incident_detail", org_slug=org_slug, incident_id=incident_id)
    audit = selectors.incident_audit(organization=request.organization, incident=incident)
    return TemplateResponse(
        request,
        "accounts/incident_detail.html",
        {"incident": incident, "form": form, "audit": audit},
        status=400 if form.errors else 200,
    )


# --- My day, search, settings ---------------------------------------------------------------------------


@require_GET
@_not_found_on_missing
def my_day(request: HttpRequest, org_slug: str) -> HttpResponse:
    data = selectors.my_day(organization=request.organization, membership=request.membership)
    return render(request, "accounts/my_day.html", {"d": data}, partial="lists")


@require_GET
@_not_found_on_missing
def search(request: HttpRequest, org_slug: str) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    # The top bar's box asks for a few results under it; the search page's own box, for its list.
    dropdown = bool(request.htmx) and request.htmx.target != "search-page-results"
    if dropdown and not query.strip():
        return HttpResponse("")  # an emptied box closes the results
    results = selectors.search(
        organization=request.organization, membership=request.membership, query=query, limit=6 if dropdown else 20
    )
    return render(request, "accounts/search.html", {"results": results, "search_query": query}, partial="dropdown")


@require_http_methods(["GET", "POST"])
@_not_found_on_missing
def portfolio_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    if not request.membership.has_role(Role.ADMIN):
        raise PermissionDenied
    current = selectors.portfolio_settings(organization=request.organization)
    initial = {f: getattr(current, f) for f in services.SETTINGS_FIELDS}
    form = PortfolioSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.portfolio_settings_update(
                organization=request.organization, actor=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Settings saved. New and re-graded incidents use the new SLAs."))
            return redirect("portfolio_settings", org_slug=org_slug)
    return TemplateResponse(request, "accounts/settings.html", {"form": form}, status=400 if form.errors else 200)
