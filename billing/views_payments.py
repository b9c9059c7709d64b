"""Pages of payments: the list with its exports, recording a payment with the proposal of what
it pays (oldest due first, each amount editable), a payment's page, allocating what is left of
it later, and reversing it.

Who reads is billing.permissions' (the payments of the accounts one sees; another account's,
or another organisation's, 404); finance alone writes (the others get 403 on the forms, and
billing.services refuses them again). config.errors.RefusalMiddleware turns what a selector
does not find into the 404."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.selectors import visible_accounts
from billing import permissions, services
from billing.exports_payments import payment_filter
from billing.forms_payments import AllocateForm, PaymentForm, ReverseForm
from billing.models import Payment
from billing.selectors import payment_allocation_proposal, payment_get
from billing.selectors_payments import open_invoices, payment_history, payment_ledger
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render

PAGE_SIZE = 25


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _payment_page(request: HttpRequest, payment: Payment) -> str:
    return reverse("payment_detail", kwargs={"org_slug": request.organization.slug, "payment_id": payment.pk})


def _proposed(organization, payment: Payment, amount: Decimal | None) -> dict[int, Decimal]:
    """{invoice id: amount} as billing.selectors.payment_allocation_proposal proposes it."""
    if amount is None or amount <= 0:
        return {}
    proposal = payment_allocation_proposal(organization=organization, payment=payment, amount=amount)
    return {invoice.pk: take for invoice, take in proposal}


# --- The list ------------------------------------------------------------------------------


@require_GET
def payment_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = payment_filter(
        organization=request.organization, membership=request.membership, query=request.GET
    ).offer_choices()
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or ["-received_on"]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "query": query.urlencode(),
    }
    context["active_filters"] = sum(
        1
        for name in ("account", "method", "received_from", "received_to", "status", "unallocated")
        if request.GET.get(name)
    )
    context["can_record"] = permissions.can_record_payment(request.membership)
    return render(request, "billing/payment_list.html", context, partial="payment-results")


@require_http_methods(["GET", "POST"])
def payment_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="payments", file_format=fmt)


# --- Recording a payment -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The form; an htmx GET (the account or the amount changed) answers its proposal alone:
    the account's open invoices, oldest due first, each with what the amount pays of it."""
    organization, membership = request.organization, request.membership
    if not permissions.can_record_payment(membership):
        raise PermissionDenied
    accounts = visible_accounts(organization=organization, membership=membership).order_by("name", "pk")

    def invoices_for(account):
        return open_invoices(organization=organization, account=account, currency=account.currency)

    posted = request.method == "POST"
    form = PaymentForm(
        request.POST if posted else None,
        initial={"account": request.GET.get("account"), "amount": request.GET.get("amount")},
        accounts=accounts,
        invoices_for=invoices_for,
    )
    if not posted and form.chosen_account is not None:
        amount = form.chosen("amount")
        unsaved = Payment(organization=organization, account=form.chosen_account, currency=form.chosen_account.currency)
        form.set_invoices(form.invoices, _proposed(organization, unsaved, amount))
    payment = None
    if posted and form.is_valid():
        payment = submit(
            form,
            lambda data: services.payment_record(organization=organization, actor=membership, **form.service_data()),
            aliases=form.aliases(),
        )
    if payment:
        messages.success(request, _("Payment recorded."))
        return _redirect(request, _payment_page(request, payment))
    partial = "allocation-proposal" if request.htmx and not posted else "payment-form"
    if partial != "allocation-proposal" or not request.htmx:
        form.offer_accounts()  # the proposal alone shows no account choices
    context = {"form": form, "needs_rate": form.needs_rate(organization.base_currency), "today": timezone.localdate()}
    status = 400 if form.errors else 200
    return render(request, "billing/payment_form.html", context, partial=partial, status=status)


# --- A payment ------------------------------------------------------------------------------


def _detail(request: HttpRequest, payment: Payment, **forms) -> dict:
    organization, membership = request.organization, request.membership
    context = {
        "payment": payment,
        "allocations": list(payment.allocations.all()),  # payment_get read them
        "ledger": payment_ledger(organization=organization, payment=payment),
        "history": payment_history(organization=organization, payment=payment),
        "can_allocate": permissions.can_allocate_payment(membership, payment) and not payment.is_reversed,
        "can_reverse": permissions.can_reverse_payment(membership, payment) and not payment.is_reversed,
        "reverse_form": forms.get("reverse_form") or ReverseForm(),
        "today": timezone.localdate(),
    }
    if context["can_allocate"] and payment.unallocated > 0:
        allocate_form = forms.get("allocate_form")
        if allocate_form is None:
            invoices = open_invoices(organization=organization, account=payment.account, currency=payment.currency)
            proposed = _proposed(organization, payment, payment.unallocated)
            allocate_form = AllocateForm(invoices=invoices, proposed=proposed)
        context["allocate_form"] = allocate_form
    return context


@require_GET
def payment_detail(request: HttpRequest, org_slug: str, payment_id: int) -> HttpResponse:
    payment = payment_get(organization=request.organization, membership=request.membership, payment_id=payment_id)
    return render(request, "billing/payment_detail.html", _detail(request, payment))


@require_POST
def payment_allocate(request: HttpRequest, org_slug: str, payment_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    payment = payment_get(organization=organization, membership=membership, payment_id=payment_id)
    if not permissions.can_allocate_payment(membership, payment):
        raise PermissionDenied
    invoices = open_invoices(organization=organization, account=payment.account, currency=payment.currency)
    form = AllocateForm(request.POST, invoices=invoices, proposed={})
    made = form.is_valid() and submit(
        form,
        lambda data: services.payment_allocate(
            organization=organization, actor=membership, payment=payment, allocations=form.allocations()
        ),
        aliases=form.aliases(),
    )
    if made:
        messages.success(request, _("Payment allocated."))
        return _redirect(request, _payment_page(request, payment))
    # Refused (a reversed payment has no allocation form of its own: the refusal says why).
    context = _detail(request, payment, allocate_form=form)
    context["allocate_form"] = form
    return render(request, "billing/payment_detail.html", context, status=400)


@require_POST
def payment_reverse(request: HttpRequest, org_slug: str, payment_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    payment = payment_get(organization=organization, membership=membership, payment_id=payment_id)
    if not permissions.can_reverse_payment(membership, payment):
        raise PermissionDenied
    form = ReverseForm(request.POST)
    reversed_payment = submit(
        form,
        lambda data: services.payment_reverse(
            organization=organization,
            actor=membership,
            payment=payment,
            reversed_on=data["reversed_on"],
            reason=data["reason"],
        ),
    )
    if reversed_payment:
        messages.success(request, _("Payment reversed: the invoices it paid are open again."))
        return _redirect(request, _payment_page(request, payment))
    context = _detail(request, payment, reverse_form=form)
    context["reverse_form"], context["show_reverse"] = form, True
    return render(request, "billing/payment_detail.html", context, status=400)
