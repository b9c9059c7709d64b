"""Pages of accounts: the portfolio, the account 360, my day, incidents, search, settings.

Each view parses (a form or a FilterSet), calls one selector or service, and renders the page,
or its partial for an htmx request. What a page offers comes from accounts.permissions; the
services enforce the same rules. A refusal goes on the form (config.forms.submit); anything
else a view does not handle (not found, not allowed, a refusal without a form) becomes its
answer in config.errors.RefusalMiddleware.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts import permissions, selectors, services
from accounts.exports import incident_filter, portfolio_filter
from accounts.forms import (
    AccountForm,
    AccountTeamForm,
    ActivityForm,
    ActualForm,
    IncidentForm,
    IncidentUpdateForm,
    NewAccountQuery,
    ObjectiveForm,
    OlderPageForm,
    PortfolioSettingsForm,
    ReassignForm,
    RiskRatingForm,
)
from accounts.models import Account, AccountStatus, Activity, RiskRating, Tier
from clients.selectors import client_get
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.text import choice_labels

PAGE_SIZE = 25


def _account(request: HttpRequest, account_id: int) -> Account:
    return selectors.account_get(
        organization=request.organization, membership=request.membership, account_id=account_id
    )


def _refusal(form, fallback: str) -> str:
    """What to tell someone whose form came back refused: the service's sentence, when it
    said one, else `fallback` (what to choose)."""
    general = form.non_field_errors()
    return general[0] if general else fallback


def _portfolio_rows(request: HttpRequest, accounts) -> list[Account]:
    """Each row's `may_reassign`, from what the row read (its owner and team) and what the
    person leads (one query for a lead, read once per request), and the labels of its status,
    tier and risk rating (`status_label`, `tier_label`, `risk_rating_label`), each translated
    once for the page: get_FOO_display translates every choice of the field on each call."""
    rows = list(accounts)
    status, tier, risk = choice_labels(AccountStatus), choice_labels(Tier), choice_labels(RiskRating)
    for account in rows:
        account.may_reassign = permissions.can_reassign_account(request.membership, account)
        account.status_label = status.get(account.status, account.status)
        account.tier_label = tier.get(account.tier, account.tier)
        account.risk_rating_label = risk.get(account.risk_rating, account.risk_rating)
    return selectors.with_account_summaries(rows, organization=request.organization)


# --- Portfolio ---------------------------------------------------------------------------------


def _portfolio(request: HttpRequest):
    return portfolio_filter(organization=request.organization, membership=request.membership, query=request.GET)


def _list_page(request: HttpRequest, filterset, default_sort: str) -> dict:
    """A list page's context: the filters, the page of rows (numbered pages), the sort as read
    (for the sort headers) and the query without the page (for the export buttons)."""
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or [default_sort]
    return {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "query": _query_without(request, "page"),
    }


@require_GET
def portfolio(request: HttpRequest, org_slug: str) -> HttpResponse:
    context = _list_page(request, _portfolio(request).offer_choices(), "name")
    context["page"].object_list = _portfolio_rows(request, context["page"].object_list)
    context["reassigning"] = False
    return render(request, "accounts/portfolio.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def portfolio_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="portfolio", file_format=fmt)


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


def _who_sees(organization, account: Account) -> list[tuple[int, str]]:
    """Whom a next step or an incident may go to: who sees the account."""
    return [
        (p.pk, p.name)
        for p in selectors.people_for_account(organization=organization, account=account)
        if p.sees_account
    ]


def _account_context(request: HttpRequest, account_id: int, **extra) -> dict:
    """The account page. Forms given in `extra` (refused, coming back) offer the same people
    as the page's own."""
    organization, membership = request.organization, request.membership
    data = selectors.account_360(organization=organization, membership=membership, account_id=account_id)
    people = selectors.people_for_account(organization=organization, account=data.account)
    everyone = [(p.pk, p.name) for p in people]
    seers = [(p.pk, p.name) for p in people if p.sees_account]
    context = {
        "d": data,
        "account": data.account,
        "activity_form": ActivityForm(
            organization=organization,
            client_id=data.account.client_id,
            people=seers,
            contacts=data.contacts,
            initial={"next_step_owner": membership.pk},
        ),
        "team_form": AccountTeamForm(organization=organization, people=_not_on_the_team(everyone, data))
        if data.can_edit
        else None,
        "account_executives": selectors.account_executive_choices(organization=organization)
        if data.can_reassign
        else None,
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
    for name, field in (("activity_form", "next_step_owner"), ("incident_form", "assignee")):
        if name in extra:
            _offer_people(extra[name], field, seers)
    context.update(extra)
    return context


def _offer_people(form, field: str, people: list[tuple[int, str]]) -> None:
    form.fields[field].choices = [("", form.fields[field].empty_label), *people]


@require_GET
def account_detail(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    return TemplateResponse(request, "accounts/account_detail.html", _account_context(request, account_id))


@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The new-account form offers as owners whom the person may choose (an account executive:
    themselves) and defaults the sales team to the owner's; choosing another owner asks this
    view again for theirs (`?owner=`). A refusal stays on the form, with what was typed."""
    organization, membership = request.organization, request.membership
    if not permissions.can_open_accounts(membership):
        raise PermissionDenied
    asked = NewAccountQuery(request.GET)
    asked = asked.cleaned_data if asked.is_valid() else {}
    owner_id = asked.get("owner") or (membership.pk if membership.is_account_executive else None)
    initial = {
        "owner": owner_id,
        "client": asked.get("client"),
        "sales_team": selectors.sales_team_of(organization=organization, owner_id=owner_id),
    }
    may_choose = permissions.can_open_accounts_for_others(membership)
    form = AccountForm(
        request.POST or None,
        organization=organization,
        owners=selectors.account_owner_choices(organization=organization, membership=membership),
        sales_team_url=reverse("account_create", kwargs={"org_slug": org_slug}) if may_choose else "",
        initial=initial,
    )
    if request.method == "POST":
        account = submit(
            form, lambda data: services.account_create(organization=organization, actor=membership, **data)
        )
        if account is not None:
            messages.success(request, _("Account %(name)s opened.") % {"name": account.name})
            return redirect("account_detail", org_slug=org_slug, account_id=account.pk)
    return TemplateResponse(
        request, "accounts/account_form.html", {"form": form, "editing": False}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if not permissions.can_edit_account(membership, account):
        raise PermissionDenied
    initial = {
        f: getattr(account, f)
        for f in ("name", "currency", "payment_terms_days", "credit_limit", "tier", "status", "start_date")
    } | {"sales_team": account.sales_team_id}
    form = AccountForm(request.POST or None, organization=organization, editing=True, initial=initial)
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.account_update(
                organization=organization,
                actor=membership,
                account=account,
                **{k: v for k, v in data.items() if k in form.changed_data},
            ),
        )
        if saved is not None:
            messages.success(request, _("Account saved."))
            return redirect("account_detail", org_slug=org_slug, account_id=account.pk)
    return TemplateResponse(
        request,
        "accounts/account_form.html",
        {"form": form, "editing": True, "account": account},
        status=400 if form.errors else 200,
    )


def _portfolio_row(
    request: HttpRequest, account_id: int, *, reassigning: bool = False, status: int = 200
) -> HttpResponse:
    """One row of the portfolio, as the person sees it; with the owner select when reassigning
    (only ever asked for by someone who may reassign the account)."""
    rows = _portfolio_rows(
        request,
        selectors.portfolio_list(organization=request.organization, membership=request.membership).filter(
            pk=account_id
        ),
    )
    if not rows:  # reassigned out of this person's sight
        return HttpResponse("", status=status)
    context = {"a": rows[0], "reassigning": reassigning}
    if reassigning:
        context["account_executives"] = selectors.account_executive_choices(organization=request.organization)
    return TemplateResponse(request, "accounts/portfolio.html#row", context, status=status)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def account_reassign(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: for htmx, a portfolio row with the owner select, or back without it (`view=1`);
    otherwise the account page, whose owner select works without JavaScript.
    POST: from the portfolio row (htmx: the row comes back) or from the account page. The
    previous owner's open next steps on the account go to the new owner, and the message
    says so. Only who may reassign the account gets this far; others see 403."""
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if not permissions.can_reassign_account(membership, account):
        raise PermissionDenied
    if request.method == "GET":
        if not request.htmx:
            return TemplateResponse(request, "accounts/account_detail.html", _account_context(request, account_id))
        return _portfolio_row(request, account.pk, reassigning=request.GET.get("view") != "1")
    previous = account.owner.user
    form = ReassignForm(request.POST, organization=organization)
    done = submit(
        form,
        lambda data: services.account_reassign(
            organization=organization, actor=membership, account=account, owner=data["owner"]
        ),
    )
    if done is None:
        messages.error(request, _refusal(form, _("Choose an active account executive.")))
        status = 400
    else:
        owner = done.account.owner.user
        said = _("%(account)s now belongs to %(owner)s.") % {"account": done.account.name, "owner": owner}
        if done.next_steps_moved:
            said += " " + ngettext(
                "The open next step of %(previous)s on it is now theirs.",
                "The %(count)s open next steps of %(previous)s on it are now theirs.",
                done.next_steps_moved,
            ) % {"count": done.next_steps_moved, "previous": previous}
        messages.success(request, said)
        status = 200
    if request.htmx and request.POST.get("from") == "portfolio":
        return _portfolio_row(request, account.pk, reassigning=status != 200, status=status)
    if request.htmx:
        return HttpResponseClientRedirect(
            reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": account_id})
        )
    return redirect("account_detail", org_slug=org_slug, account_id=account_id)


@require_POST
def account_risk(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if not permissions.can_set_risk_rating(membership, account):
        raise PermissionDenied
    form = RiskRatingForm(request.POST)
    rated = submit(
        form,
        lambda data: services.account_set_risk_rating(
            organization=organization, actor=membership, account=account, risk_rating=data["risk_rating"]
        ),
    )
    if rated is not None:
        messages.success(request, _("Risk rating set to %(rating)s.") % {"rating": RiskRating(rated.risk_rating).label})
    else:
        messages.error(request, _refusal(form, _("Choose a risk rating from the list.")))
    return redirect("account_detail", org_slug=org_slug, account_id=account_id)


@require_POST
def account_team_add(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if not permissions.can_edit_account(membership, account):
        raise PermissionDenied
    form = AccountTeamForm(request.POST, organization=organization)
    member = submit(
        form,
        lambda data: services.account_team_member_add(
            organization=organization, actor=membership, account=account, **data
        ),
    )
    if member is not None:
        messages.success(request, _("%(name)s joined the account team.") % {"name": member.membership.user})
    else:
        messages.error(request, _refusal(form, _("Choose a person and their role.")))
    return _back_to_account(request, org_slug, account_id)


@require_POST
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
def client_accounts(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    """The accounts of one client that this person may see, for the client's page (htmx)."""
    client = client_get(organization=request.organization, client_id=client_id)  # 404 when not this organisation's
    accounts = (
        selectors.visible_accounts(organization=request.organization, membership=request.membership)
        .filter(client=client)
        .select_related("owner__user")
        .order_by("name", "pk")
    )
    context = {
        "accounts": accounts,
        "client_id": client_id,
        "may_open": permissions.can_open_accounts(request.membership),
    }
    return TemplateResponse(request, "accounts/client_accounts.html", context)


# --- Activities ------------------------------------------------------------------------------------


def _older_than(request: HttpRequest) -> int | None:
    """`?before=`: the id of the oldest item shown, or None (the first page) when absent or not an id."""
    older = OlderPageForm(request.GET)
    return older.cleaned_data["before"] if older.is_valid() else None


@require_http_methods(["GET", "POST"])
def account_activities(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: an older page of the timeline (htmx; without htmx, the account page).
    POST: log an activity; the timeline and the next steps come back (the form with its
    errors, when refused)."""
    account = _account(request, account_id)
    organization, membership = request.organization, request.membership
    if request.method == "GET":
        if not request.htmx:
            return redirect("account_detail", org_slug=org_slug, account_id=account_id)
        activities, has_more = selectors.activity_timeline(
            organization=organization, membership=membership, account=account, before_id=_older_than(request)
        )
        response = TemplateResponse(
            request,
            "accounts/account_detail.html#timeline-page",
            {"account": account, "activities": activities, "has_more": has_more},
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    form = ActivityForm(request.POST, organization=organization, client_id=account.client_id)
    logged = submit(
        form,
        lambda _data: services.activity_log(
            organization=organization, actor=membership, account=account, **form.service_data()
        ),
    )
    if logged is not None:
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
    _offer_people(form, "next_step_owner", _who_sees(organization, account))
    return TemplateResponse(
        request, "accounts/account_detail.html#activity-form", {"account": account, "activity_form": form}, status=400
    )


@require_GET
def account_audit(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """An older page of the account page's audit trail (htmx); without htmx, the account page."""
    account = _account(request, account_id)
    before = _older_than(request)
    if not request.htmx or before is None:
        return redirect("account_detail", org_slug=org_slug, account_id=account_id)
    audit, has_more = selectors.account_audit_older(
        organization=request.organization, account=account, before_id=before
    )
    response = TemplateResponse(
        request,
        "accounts/account_detail.html#audit-page",
        {"account": account, "audit": audit, "has_more_audit": has_more},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _activity_form(request: HttpRequest, activity: Activity, data=None) -> ActivityForm:
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
    return ActivityForm(
        data,
        organization=request.organization,
        client_id=activity.account.client_id,
        people=_who_sees(request.organization, activity.account),
        initial=initial,
        prefix=f"a{activity.pk}",
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, org_slug: str, activity_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    activity = selectors.activity_get(organization=organization, membership=membership, activity_id=activity_id)
    form = None
    status = 200
    if request.method == "GET" and request.GET.get("edit") == "1":
        if not permissions.can_edit_activity(membership, activity):
            raise PermissionDenied
        form = _activity_form(request, activity)
    elif request.method == "POST":
        form = _activity_form(request, activity, request.POST)
        saved = submit(
            form,
            lambda _data: services.activity_update(
                organization=organization, actor=membership, activity=activity, **form.service_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Activity saved."))
            if not request.htmx:
                return redirect("account_detail", org_slug=org_slug, account_id=activity.account_id)
            return HttpResponseClientRedirect(
                reverse("account_detail", kwargs={"org_slug": org_slug, "account_id": activity.account_id})
            )
        status = 400
    if form is None:
        activity.may_edit = permissions.can_edit_activity(membership, activity)
    context = {"activity": activity, "account": activity.account, "edit_form": form}
    return render(request, "accounts/activity_edit.html", context, partial="activity-item", status=status)


@require_POST
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
def objective_create(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: the new-objective form (see _form_on_demand), for who may change the account.
    POST: set the objective, or show the form again with what is wrong."""
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if not permissions.can_edit_account(membership, account):
        raise PermissionDenied
    if request.method == "GET":
        return _form_on_demand(
            request, account, "objective-form", objective_form=ObjectiveForm(), open_objective_form=True
        )
    form = ObjectiveForm(request.POST)
    if submit(
        form,
        lambda data: services.objective_create(organization=organization, actor=membership, account=account, **data),
    ):
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
def objective_actual(request: HttpRequest, org_slug: str, objective_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    objective = selectors.objective_get(organization=organization, membership=membership, objective_id=objective_id)
    if not permissions.can_edit_account(membership, objective.account):
        raise PermissionDenied
    form = ActualForm(request.POST)
    if submit(
        form,
        lambda data: services.objective_actual_record(
            organization=organization, actor=membership, objective=objective, **data
        ),
    ):
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
def incident_create(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """GET: the new-incident form (see _form_on_demand); anyone who sees the account may open
    one, and assign it to anyone who sees it. POST: open the incident, or show the form
    again with what is wrong."""
    organization, membership = request.organization, request.membership
    account = _account(request, account_id)
    if request.method == "GET":
        form = IncidentForm(organization=organization, people=_who_sees(organization, account))
        return _form_on_demand(request, account, "incident-form", incident_form=form, open_incident_form=True)
    form = IncidentForm(request.POST, organization=organization)
    incident = submit(
        form,
        lambda data: services.incident_open(organization=organization, actor=membership, account=account, **data),
    )
    if incident is not None:
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
def incidents(request: HttpRequest, org_slug: str) -> HttpResponse:
    context = _list_page(request, _incidents(request), "sla")
    return render(request, "accounts/incidents.html", context, partial="results")


def _incidents(request: HttpRequest):
    return incident_filter(organization=request.organization, membership=request.membership, query=request.GET)


@require_http_methods(["GET", "POST"])
def incidents_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="incidents", file_format=fmt)


@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, org_slug: str, incident_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    incident = selectors.incident_get(organization=organization, membership=membership, incident_id=incident_id)
    initial = {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity,
        "status": incident.status,
        "assignee": incident.assignee_id,
    }
    form = IncidentUpdateForm(
        request.POST or None,
        organization=organization,
        people=_who_sees(organization, incident.account),
        initial=initial,
    )
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.incident_update(
                organization=organization,
                actor=membership,
                incident=incident,
                **{k: v for k, v in data.items() if k in form.changed_data},
            ),
        )
        if saved is not None:
            messages.success(request, _("Incident saved."))
            return redirect("incident_detail", org_slug=org_slug, incident_id=incident_id)
    audit = selectors.incident_audit(organization=organization, incident=incident)
    return TemplateResponse(
        request,
        "accounts/incident_detail.html",
        {"incident": incident, "form": form, "audit": audit},
        status=400 if form.errors else 200,
    )


# --- My day, search, settings ---------------------------------------------------------------------------


@require_GET
def my_day(request: HttpRequest, org_slug: str) -> HttpResponse:
    data = selectors.my_day(organization=request.organization, membership=request.membership)
    return render(request, "accounts/my_day.html", {"d": data}, partial="lists")


@require_GET
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
def portfolio_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    if not permissions.can_change_portfolio_settings(membership):
        raise PermissionDenied
    current = selectors.portfolio_settings(organization=organization)
    initial = {f: getattr(current, f) for f in services.SETTINGS_FIELDS}
    form = PortfolioSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and submit(
        form,
        lambda data: services.portfolio_settings_update(organization=organization, actor=membership, **data),
    ):
        messages.success(request, _("Settings saved. New and re-graded incidents use the new SLAs."))
        return redirect("portfolio_settings", org_slug=org_slug)
    return TemplateResponse(request, "accounts/settings.html", {"form": form}, status=400 if form.errors else 200)
