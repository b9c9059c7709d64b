"""Pages of orders: the order card on a won offer's page (its lines with the billing check,
planned and recorded deliveries, the forms to record a delivery and confirm a receipt, and
finance's button to invoice what is invoiceable), its actions, and finance's list of every
order line whose deliveries and invoices differ.

Refusals of the services come back as the page's message; another organisation's ids, or an
order of an account the person does not see, answer 404 (config.errors.RefusalMiddleware)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import visible_accounts
from billing import permissions as billing_permissions
from billing.forms import QuantityField
from config.errors import ApplicationError, refusal_messages
from offers import permissions, selectors_orders, services_orders
from offers.exports_orders import order_check_filter
from offers.models import Delivery, InvoiceBy, Offer, OfferStatus, Order, OrderLine
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.lists import list_context


class DeliveryForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = QuantityField(label=gettext_lazy("Quantity"), max_digits=12, decimal_places=3)


def order_card(request: HttpRequest, offer: Offer) -> SimpleNamespace | None:
    """The order card of a won offer's page (None for any other offer: no query)."""
    if offer.status != OfferStatus.WON:
        return None
    organization, membership = request.organization, request.membership
    order = selectors_orders.order_of_offer(organization=organization, offer=offer)
    if order is None:
        return None
    checks = selectors_orders.order_check(organization=organization, order=order)
    return SimpleNamespace(
        order=order,
        checks=checks,
        can_deliver=permissions.can_work_offer(membership, offer),
        can_invoice=billing_permissions.can_create_invoice(membership, offer.account),
        invoice_by_choices=InvoiceBy.choices,
        late=sum((check.late for check in checks), Decimal("0")),
        today=timezone.localdate(),
    )


def _order_line(request: HttpRequest, order_line_id: int) -> OrderLine:
    accounts = visible_accounts(organization=request.organization, membership=request.membership).values("pk")
    return OrderLine.objects.select_related("order").get(
        organization=request.organization, order__account__in=accounts, pk=order_line_id
    )


def _back(request: HttpRequest, order: Order) -> HttpResponse:
    url = reverse("offer_detail", kwargs={"org_slug": request.organization.slug, "offer_id": order.offer_id})
    return redirect(url + "#order")


def _said(request: HttpRequest, call, done: str) -> None:
    try:
        call()
    except (ApplicationError, ValidationError) as error:
        message, fields = refusal_messages(error)
        messages.error(request, " ".join([message, *(text for text in fields.values() if text != message)]))
    else:
        messages.success(request, done)


def _parsed(request: HttpRequest) -> dict:
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(
            _("Enter a date and a quantity."), {name: " ".join(errors) for name, errors in form.errors.items()}
        )
    return form.cleaned_data


@require_POST
def delivery_record(request: HttpRequest, org_slug: str, order_line_id: int) -> HttpResponse:
    line = _order_line(request, order_line_id)

    def call():
        data = _parsed(request)
        services_orders.delivery_record(
            organization=request.organization,
            actor=request.membership,
            order_line=line,
            delivered_on=data["on"],
            quantity=data["quantity"],
        )

    _said(request, call, _("Delivery recorded."))
    return _back(request, line.order)


@require_POST
def delivery_plan(request: HttpRequest, org_slug: str, order_line_id: int) -> HttpResponse:
    line = _order_line(request, order_line_id)

    def call():
        data = _parsed(request)
        services_orders.order_plan_delivery(
            organization=request.organization,
            actor=request.membership,
            order_line=line,
            planned_on=data["on"],
            quantity=data["quantity"],
        )

    _said(request, call, _("Delivery planned."))
    return _back(request, line.order)


@require_POST
def order_set_invoice_by(request: HttpRequest, org_slug: str, order_id: int) -> HttpResponse:
    order = _order(request, order_id)

    def call():
        services_orders.order_set_invoice_by(
            organization=request.organization,
            actor=request.membership,
            order=order,
            invoice_by=request.POST.get("invoice_by", ""),
        )

    _said(request, call, _("Invoicing basis saved."))
    return _back(request, order)


@require_POST
def delivery_confirm_receipt(request: HttpRequest, org_slug: str, delivery_id: int) -> HttpResponse:
    accounts = visible_accounts(organization=request.organization, membership=request.membership).values("pk")
    delivery = Delivery.objects.select_related("order_line__order").get(
        organization=request.organization, order_line__order__account__in=accounts, pk=delivery_id
    )

    def call():
        data = _parsed(request)
        services_orders.delivery_confirm_receipt(
            organization=request.organization,
            actor=request.membership,
            delivery=delivery,
            quantity=data["quantity"],
            received_on=data["on"],
        )

    _said(request, call, _("Receipt confirmed."))
    return _back(request, delivery.order_line.order)


def _order(request: HttpRequest, order_id: int) -> Order:
    accounts = visible_accounts(organization=request.organization, membership=request.membership).values("pk")
    return Order.objects.get(organization=request.organization, account__in=accounts, pk=order_id)


@require_POST
def order_invoice(request: HttpRequest, org_slug: str, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    result = {}

    def call():
        result["invoice"] = services_orders.order_invoice(
            organization=request.organization, actor=request.membership, order=order
        )

    _said(request, call, _("Draft invoice created: check it and issue it in billing."))
    if "invoice" in result:
        return redirect(
            reverse(
                "invoice_detail", kwargs={"org_slug": request.organization.slug, "invoice_id": result["invoice"].pk}
            )
        )
    return _back(request, order)


@require_GET
def order_check_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Finance's list: every order line whose deliveries, invoices and receipts differ, or that
    was credited; filtered, sorted, paginated and exported alike (offers.exports_orders)."""
    filterset = order_check_filter(organization=request.organization, membership=request.membership, query=request.GET)
    context = list_context(request, filterset, "order", ("q", "difference"))
    context["rows"] = selectors_orders.differences_page(context["page"].object_list)
    return render(request, "offers/order_check.html", context, partial="order-check-results")


@require_http_methods(["GET", "POST"])
def order_check_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="order_check", file_format=fmt)
