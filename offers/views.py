"""Pages of offers: the pipeline (the offers a person may see, by stage, with its totals and
exports), a new offer, an offer's page (its lines, totals and margin, its grade with every reason,
its approvals and revisions, and what the person may do with it now).

Who may (offers.permissions): whoever sees an account sees its offers; refusals of the services
become the page's message (config.errors.RefusalMiddleware)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from config.forms import submit
from offers import permissions, selectors, services
from offers.exports import offer_filter
from offers.forms import (
    DecideForm,
    LoseForm,
    OfferForm,
    OfferLineChangeForm,
    OfferLineForm,
    OfferSettingsForm,
    SendForm,
    draftable_accounts,
)
from offers.grading import reason_text
from offers.models import OfferLine, OfferStatus
from offers.views_orders import order_card
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.lists import list_context

PAGE_SIZE = 25


def _offer_page(request: HttpRequest, offer) -> str:
    return reverse("offer_detail", kwargs={"org_slug": request.organization.slug, "offer_id": offer.pk})


def _offer(request: HttpRequest, offer_id: int):
    return selectors.offer_get(organization=request.organization, membership=request.membership, offer_id=offer_id)


# --- The pipeline -----------------------------------------------------------------------------


def _pipeline_chart(stages, currency: str) -> dict:
    """The chart beside the stages' table: each open stage's net and weighted net in the
    organisation's currency (offers in another currency are in the table only)."""
    return {
        "currency": currency,
        "labels": [str(stage.label) for stage in stages],
        "datasets": [
            {"label": str(_("Net")), "data": [str(stage.totals.get(currency, 0)) for stage in stages]},
            {"label": str(_("Weighted")), "data": [str(stage.weighted.get(currency, 0)) for stage in stages]},
        ],
        "others": sorted({c for stage in stages for c in stage.totals} - {currency}),
    }


@require_GET
def offer_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    filterset = offer_filter(organization=organization, membership=membership, query=request.GET).offer_choices()
    stages = selectors.pipeline_stages(offers=filterset.qs, settings=services.offer_settings(organization=organization))
    context = list_context(request, filterset, "-created", ("status", "grade", "owner", "open")) | {
        "stages": stages,
        "chart": _pipeline_chart(stages, organization.base_currency),
        "weighted": selectors.weighted_total(stages),
        "can_draft": membership.is_account_executive or membership.is_sales_lead,
        "can_approve": membership.is_finance or membership.is_sales_lead,
    }
    return render(request, "offers/offer_list.html", context, partial="offer-results")


@require_GET
def approvals_queue(request: HttpRequest, org_slug: str) -> HttpResponse:
    """What waits for this person's decision: finance the financial risk, a lead the commercial
    terms of the accounts they lead."""
    offers = selectors.approvals_queue(organization=request.organization, membership=request.membership)
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(offer, [(r["kind"], reason_text(r)) for r in offer.grade_reasons]) for offer in page.object_list]
    context = {
        "rows": rows,
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
    }
    return render(request, "offers/approvals.html", context, partial="approval-results")


@require_http_methods(["GET", "POST"])
def offer_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="offers", file_format=fmt)


# --- A new offer ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    if not (membership.is_account_executive or membership.is_sales_lead):
        raise PermissionDenied
    accounts = draftable_accounts(organization=organization, membership=membership)
    initial = {"account": request.GET.get("account")} if request.GET.get("account") else None
    form = OfferForm(request.POST if request.method == "POST" else None, accounts=accounts, initial=initial)
    offer = form.is_bound and submit(
        form, lambda data: services.offer_create(organization=organization, actor=membership, **data)
    )
    if offer:
        messages.success(request, _("Offer %(number)s drafted: add its lines.") % {"number": offer.number})
        return redirect(_offer_page(request, offer))
    return render(request, "offers/offer_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def offer_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The admins' page of the organisation's offer settings: the probability of winning at each
    open stage, the days a new offer is valid, the lead time that warns."""
    organization, membership = request.organization, request.membership
    if not permissions.can_change_offer_settings(membership):
        raise PermissionDenied
    form = OfferSettingsForm(request.POST or None, instance=services.offer_settings(organization=organization))
    if request.method == "POST" and submit(
        form, lambda data: services.offer_settings_update(organization=organization, actor=membership, **data)
    ):
        messages.success(request, _("Offer settings saved. The pipeline weighs its stages with them from now on."))
        return redirect("offer_settings", org_slug=org_slug)
    return render(request, "offers/settings.html", {"form": form}, status=400 if form.errors else 200)


# --- An offer -----------------------------------------------------------------------------------


def _margin_percent(revision) -> Decimal | None:
    if not revision.net_total:
        return None
    return (revision.margin * 100 / revision.net_total).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def _detail_context(
    request: HttpRequest, offer_id: int, editing: dict | None = None, only: int | None = None, **extra
) -> dict:
    """The offer page's context; `editing`: the lines whose fields are open ({id: refused form or
    None}); `only`: that line alone (an htmx answer)."""
    offer = _offer(request, offer_id)
    membership = request.membership
    works = permissions.can_work_offer(membership, offer)
    pending = [
        kind
        for kind in services.approvals_needed(offer)
        if offer.status == OfferStatus.SUBMITTED
        and not any(a.round == offer.approval_round and a.kind == kind for a in offer.approvals.all())
    ]
    decide = [
        (kind, DecideForm(prefix=kind, initial={"kind": kind, "grade_seen": offer.grade}))
        for kind in pending
        if permissions.can_decide_offer(membership, offer, kind)
    ]
    context = {
        "offer": offer,
        "lines": offer.current_lines,
        "revision": offer.current,
        "margin_percent": _margin_percent(offer.current),
        "reasons": [(reason["kind"], reason_text(reason)) for reason in offer.grade_reasons],
        "client": offer.account.client,
        "value_warnings": selectors.value_warnings(
            client=offer.account.client,
            lines=offer.current_lines,
            settings=services.offer_settings(organization=request.organization),
        ),
        "pending": pending,
        "decide_forms": decide,
        "works": works,
        "editable": works and offer.is_editable,
        "line_rows": _line_rows(offer, editing or {}, only) if works and offer.is_editable else None,
        "add_form": OfferLineForm(prefix="add", organization=request.organization)
        if works and offer.is_editable
        else None,
        "can_submit": works and offer.status in (OfferStatus.DRAFT, OfferStatus.REJECTED, OfferStatus.NEGOTIATION),
        "can_send": works and offer.status == OfferStatus.APPROVED,
        "send_form": _send_form(request, offer) if works and offer.status == OfferStatus.APPROVED else None,
        "can_revise": works and offer.status == OfferStatus.SENT,
        "can_win": works and offer.status in (OfferStatus.SENT, OfferStatus.NEGOTIATION),
        "can_close": works and offer.is_open,
        "lose_form": LoseForm(prefix="lose") if works and offer.is_open else None,
        "order": order_card(request, offer),
    }
    return context | extra


def _send_form(request: HttpRequest, offer) -> SendForm:
    from offers.documents import offer_reader

    reader = offer_reader(organization=request.organization, offer=offer)
    return SendForm(prefix="send", initial={"email": reader.email, "language": reader.language})


def _compared(request: HttpRequest, offer) -> dict:
    """Two revisions to compare (?compare=1&with=2), by default the one before the current."""
    numbers = [r.number for r in offer.all_revisions]
    if len(numbers) < 2:
        return {}

    def asked(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in numbers else default

    older, newer = asked("compare", numbers[-2]), asked("with", numbers[-1])
    return {
        "compare": (older, newer),
        "diff": selectors.revision_diff(organization=request.organization, offer=offer, older=older, newer=newer),
    }


@require_GET
def offer_detail(request: HttpRequest, org_slug: str, offer_id: int) -> HttpResponse:
    context = _detail_context(request, offer_id)
    return render(request, "offers/offer_detail.html", context | _compared(request, context["offer"]))


@require_GET
def offer_pdf(request: HttpRequest, org_slug: str, offer_id: int) -> HttpResponse:
    """The offer as the client reads it: a PDF in their contact's language (?language= another)."""
    from django.conf import settings

    from offers.documents import offer_pdf as render_pdf
    from offers.documents import offer_reader

    offer = _offer(request, offer_id)
    language = request.GET.get("language", "")
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = offer_reader(organization=request.organization, offer=offer).language
    pdf = render_pdf(organization=request.organization, offer=offer, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{offer.number}.pdf"'
    return response


def _line_rows(offer, editing: dict[int, OfferLineChangeForm | None], only: int | None = None) -> list[tuple]:
    """Each line of an editable offer (or the line `only`) with its change form when it is being
    changed (`editing`: a refused form as it was sent, or None for a fresh one), else None: the
    page shows lines as text and opens a line's fields when asked (the pencil)."""
    rows = []
    for line in offer.current_lines:
        if only is not None and line.pk != only:
            continue
        form = None
        if line.pk in editing:
            form = editing[line.pk] or OfferLineChangeForm(
                prefix=f"line-{line.pk}",
                initial={
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount_percent": line.discount_percent or None,
                    "lead_time_days": line.lead_time_days or None,
                },
            )
        rows.append((line, form))
    return rows


def _lines_changed(request: HttpRequest, offer_id: int, *, status: int = 200, **extra) -> HttpResponse:
    """After a line is added, changed or removed: for htmx the lines with the totals, margin,
    grade and header swapped beside them; otherwise the page (refused: with the form's errors)."""
    if status == 200 and not request.htmx:
        return redirect(
            reverse("offer_detail", kwargs={"org_slug": request.organization.slug, "offer_id": offer_id}) + "#lines"
        )
    context = _detail_context(request, offer_id, **extra)
    return render(request, "offers/offer_detail.html", context, partial="lines-changed", status=status)


def _current_line(request: HttpRequest, offer_id: int, offer_line_id: int) -> OfferLine:
    """A line of an offer the person may see (404 otherwise), in one query."""
    offers = selectors.offer_list(organization=request.organization, membership=request.membership)
    return OfferLine.objects.select_related("revision__offer__account").get(
        organization=request.organization, revision__offer__in=offers, revision__offer_id=offer_id, pk=offer_line_id
    )


@require_POST
def offer_line_add(request: HttpRequest, org_slug: str, offer_id: int) -> HttpResponse:
    offer = _offer(request, offer_id)
    form = OfferLineForm(request.POST, prefix="add", organization=request.organization)
    line = submit(
        form,
        lambda data: services.offer_line_add(
            organization=request.organization, actor=request.membership, offer=offer, **form.line()
        ),
    )
    if line is None:
        return _lines_changed(request, offer_id, status=400, add_form=form)
    return _lines_changed(request, offer_id)


@require_http_methods(["GET", "POST"])
def offer_line_update(request: HttpRequest, org_slug: str, offer_id: int, offer_line_id: int) -> HttpResponse:
    """A line changed where it stands. GET opens its fields (for htmx its row alone). POST
    changes it; for htmx the answer is the totals card, and out of band the line (its new net, or
    its errors), the summary under the lines, the header, the grade and what the client values:
    the other lines are left as they are."""
    line = _current_line(request, offer_id, offer_line_id)
    if not permissions.can_work_offer(request.membership, line.revision.offer):
        raise PermissionDenied
    if request.method == "GET":
        context = _detail_context(request, offer_id, editing={line.pk: None}, only=line.pk if request.htmx else None)
        context["changed"] = next((row for row in context["line_rows"] or [] if row[0].pk == line.pk), None)
        if context["changed"] is None:  # not editable now: the page says what it is
            return redirect(_offer_page(request, line.revision.offer) + "#lines")
        return render(request, "offers/offer_detail.html", context, partial="line-edit")
    form = OfferLineChangeForm(request.POST, prefix=f"line-{line.pk}")
    changed = submit(
        form,
        lambda data: services.offer_line_update(
            organization=request.organization, actor=request.membership, line=line, **form.changes()
        ),
    )
    status = 200 if changed else 400
    if not request.htmx:
        return _lines_changed(request, offer_id, status=status, editing={line.pk: form})
    context = _detail_context(request, offer_id, editing={line.pk: None if changed else form}, only=line.pk)
    context["changed"] = (context["line_rows"] or [None])[0]
    if context["changed"] is None:  # no longer editable here: the lines as they are, and why
        messages.error(request, " ".join(form.non_field_errors()) or _("The offer cannot change now."))
        response = render(request, "offers/offer_detail.html", context, partial="lines-changed", status=status)
        return retarget(reswap(response, "outerHTML"), "#lines")
    return render(request, "offers/offer_detail.html", context, partial="line-changed", status=status)


@require_POST
def offer_line_remove(request: HttpRequest, org_slug: str, offer_id: int, offer_line_id: int) -> HttpResponse:
    line = _current_line(request, offer_id, offer_line_id)
    services.offer_line_remove(organization=request.organization, actor=request.membership, line=line)
    return _lines_changed(request, offer_id)


ACTIONS = {
    "submit": (services.offer_submit, None),
    "revise": (services.offer_revise, gettext_lazy("A new revision is open: change it and submit it again.")),
    "win": (services.offer_win, gettext_lazy("Won.")),
    "withdraw": (services.offer_withdraw, gettext_lazy("Withdrawn.")),
}


@require_POST
def offer_action(request: HttpRequest, org_slug: str, offer_id: int, action: str) -> HttpResponse:
    """submit, send, revise, win, withdraw: one button each; lose and decide have a form."""
    offer = _offer(request, offer_id)
    organization, membership = request.organization, request.membership
    if action == "lose":
        form = LoseForm(request.POST, prefix="lose")
        done = submit(
            form,
            lambda data: services.offer_lose(
                organization=organization, actor=membership, offer=offer, reason=data["reason"], lost_to=data["lost_to"]
            ),
            aliases={"lost_reason": "reason"},
        )
        if not done:
            return render(
                request, "offers/offer_detail.html", _detail_context(request, offer_id, lose_form=form), status=400
            )
        messages.success(request, _("Marked as lost."))
    elif action == "decide":
        kind = request.POST.get("kind", "")
        form = DecideForm(request.POST, prefix=kind if kind in ("commercial", "financial") else None)
        done = submit(
            form,
            lambda data: services.offer_decide(
                organization=organization,
                actor=membership,
                offer=offer,
                kind=data["kind"],
                decision=data["decision"],
                grade_seen=data["grade_seen"],
                comment=data["comment"],
            ),
        )
        if not done:
            forms = [(k, form if k == kind else f) for k, f in _detail_context(request, offer_id)["decide_forms"]]
            context = _detail_context(request, offer_id, decide_forms=forms)
            return render(request, "offers/offer_detail.html", context, status=400)
        messages.success(request, _("Your decision is recorded."))
    elif action == "send":
        mailing = "mail" in request.POST
        form = SendForm(request.POST, prefix="send", mailing=mailing)
        done = submit(
            form,
            lambda data: services.offer_send(
                organization=organization,
                actor=membership,
                offer=offer,
                mail_to=data["email"] if mailing else "",
                language=data["language"],
                message=data["message"],
            ),
            aliases={"recipient_email": "email"},
        )
        if not done:
            return render(
                request, "offers/offer_detail.html", _detail_context(request, offer_id, send_form=form), status=400
            )
        messages.success(
            request,
            _("Sent by mail to %(email)s.") % {"email": form.cleaned_data["email"]}
            if mailing
            else _("Marked as sent."),
        )
    elif action in ACTIONS:
        service, said = ACTIONS[action]
        service(organization=organization, actor=membership, offer=offer)
        offer.refresh_from_db()
        if said is None:  # submitted: approved at once within the policy, or waiting for approval
            said = (
                _("Within the policy: approved.")
                if offer.status == OfferStatus.APPROVED
                else _("Submitted for approval.")
            )
        messages.success(request, said)
    else:
        raise PermissionDenied
    return redirect(_offer_page(request, offer))
