"""The orders API: orders (the list pattern) and an order with its lines, planned deliveries,
deliveries and billing check; planning and recording deliveries, confirming receipts, finance's
invoicing basis and invoicing the order as operations; and finance's billing-check list. The
same visibility as the pages: an order of an account this membership does not see is a 404;
an operation its role may not do, a 403 (offers.services_orders decides)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AccountRefOutput
from accounts.selectors import visible_accounts
from billing.api import InvoiceOutput, _invoice_answer, _number
from catalog.api import ProductRefOutput
from config.api import (
    ERROR_COMPONENT,
    LIST_ORDER,
    StrictSerializer,
    filter_parameters,
    filtered,
    list_params,
    money,
    named_enum,
    paginated,
    read_input,
)
from config.api_pagination import CursorPagination
from offers import selectors_orders, services_orders
from offers.exports_orders import order_check_filter
from offers.filters_orders import OrderCheckFilter, OrderFilter
from offers.models import Delivery, InvoiceBy, OrderLine, PlannedDelivery
from offers.selectors_orders import Difference, difference_text, line_check
from tenancy.permissions import IsTenantMember

InvoiceByField = named_enum("OrderInvoiceByEnum", InvoiceBy.choices)
DifferenceField = named_enum("OrderDifferenceEnum", Difference.choices)
NOTHING_TO_INVOICE = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
    description="Nothing to invoice: everything ordered (or delivered, by the order's basis) is invoiced already.",
)


# --- Output -----------------------------------------------------------------------------------


class OrderRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The won offer's number.")


class OrderSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The won offer's number.")
    offer = serializers.IntegerField(source="offer_id", help_text="The won offer's id.")
    account = AccountRefOutput()
    currency = serializers.CharField()
    invoice_by = InvoiceByField(help_text="Invoiced by the ordered or by the delivered quantity.")
    net_total = money(help_text="The sum of its lines' nets (before tax).")
    created_at = serializers.DateTimeField()


class DifferenceOutput(serializers.Serializer):
    kind = DifferenceField()
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=True)
    text = serializers.CharField(help_text="In the reader's language.")

    def to_representation(self, item):
        kind, quantity = item
        return super().to_representation({"kind": kind, "quantity": quantity, "text": difference_text(kind, quantity)})


class PlannedDeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    planned_on = serializers.DateField()
    quantity = _number(PlannedDelivery, "quantity")
    late = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        coerce_to_string=True,
        help_text="How much of it is past its date and not delivered (a line's deliveries fill its plans in date "
        "order).",
    )


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    delivered_on = serializers.DateField()
    quantity = _number(Delivery, "quantity")
    received_quantity = _number(Delivery, "received_quantity")
    received_on = serializers.DateField(allow_null=True)


CHECK_NUMBER = {"max_digits": 15, "decimal_places": 3, "coerce_to_string": True}


class LineCheckNumbers(serializers.Serializer):
    ordered = serializers.DecimalField(**CHECK_NUMBER)
    delivered = serializers.DecimalField(**CHECK_NUMBER)
    received = serializers.DecimalField(**CHECK_NUMBER)
    invoiced = serializers.DecimalField(**CHECK_NUMBER, help_text="On issued invoices.")
    credited = serializers.DecimalField(**CHECK_NUMBER, help_text="By credit notes of those invoice lines.")
    differences = DifferenceOutput(source="difference_items", many=True)


class OrderLineOutput(LineCheckNumbers):
    id = serializers.IntegerField(source="line.id")
    position = serializers.IntegerField(source="line.position")
    product = ProductRefOutput(source="line.product", allow_null=True)
    description = serializers.CharField(source="line.description")
    unit_price = money(source="line.unit_price")
    discount_percent = _number(OrderLine, "discount_percent", source="line.discount_percent")
    net = money(source="line.net")
    lead_time_days = serializers.IntegerField(source="line.lead_time_days")
    planned_deliveries = PlannedDeliveryOutput(source="line.planned", many=True)
    deliveries = DeliveryOutput(source="line.recorded", many=True)


class OrderOutput(OrderSummaryOutput):
    lines = OrderLineOutput(source="checks", many=True)


class OrderCheckRowOutput(LineCheckNumbers):
    id = serializers.IntegerField(source="line.id", help_text="The order line's id.")
    order = OrderRefOutput(source="line.order")
    account = AccountRefOutput(source="line.order.account")
    position = serializers.IntegerField(source="line.position")
    description = serializers.CharField(source="line.description")


# --- Input ------------------------------------------------------------------------------------


class PlanInput(StrictSerializer):
    planned_on = serializers.DateField()
    quantity = _number(
        PlannedDelivery, "quantity", help_text="More than zero; the line's plans add up to at most its quantity."
    )


class DeliveryInput(StrictSerializer):
    delivered_on = serializers.DateField(help_text="Today or earlier.")
    quantity = _number(Delivery, "quantity", help_text="More than zero, at most what is left to deliver of the line.")


class ReceiptInput(StrictSerializer):
    received_on = serializers.DateField(help_text="On or after the delivery.")
    quantity = _number(Delivery, "quantity", help_text="Received now: at most what is left to receive of the delivery.")


class InvoiceByInput(StrictSerializer):
    invoice_by = InvoiceByField()


# --- Views ------------------------------------------------------------------------------------


def _order_answer(request, order_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    order = selectors_orders.order_get(
        organization=request.organization, membership=request.membership, order_id=order_id
    )
    return Response(OrderOutput(order).data, status=status_code)


def _order(request, order_id: int):
    return selectors_orders.order_list(organization=request.organization, membership=request.membership).get(
        pk=order_id
    )


def _order_line(request, order_line_id: int) -> OrderLine:
    accounts = visible_accounts(organization=request.organization, membership=request.membership).values("pk")
    return OrderLine.objects.get(organization=request.organization, order__account__in=accounts, pk=order_line_id)


def _delivery(request, delivery_id: int) -> Delivery:
    accounts = visible_accounts(organization=request.organization, membership=request.membership).values("pk")
    return Delivery.objects.select_related("order_line").get(
        organization=request.organization, order_line__order__account__in=accounts, pk=delivery_id
    )


class OrderListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="orders_list",
        description=LIST_ORDER + " The orders of the accounts this membership sees, without their lines.",
        parameters=filter_parameters(OrderFilter),
        responses=OrderSummaryOutput(many=True),
    )
    def get(self, request, org_slug):
        orders = selectors_orders.order_list(organization=request.organization, membership=request.membership)
        filterset = OrderFilter(list_params(request), queryset=orders, request=request)
        return paginated(self, request, filtered(filterset), OrderSummaryOutput)


class OrderDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_retrieve",
        description="An order with its lines, each with its planned deliveries, its deliveries and the billing "
        "check: ordered, delivered, received, invoiced and credited, and every difference.",
        responses=OrderOutput,
    )
    def get(self, request, org_slug, order_id):
        return _order_answer(request, order_id)


class OrderPlanDeliveryApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_plan_delivery",
        description="Plan one more delivery of an order line (those who work the offer).",
        request=PlanInput,
        responses={201: OrderOutput},
    )
    def post(self, request, org_slug, order_line_id):
        line = _order_line(request, order_line_id)
        data = read_input(PlanInput, request)
        services_orders.order_plan_delivery(
            organization=request.organization, actor=request.membership, order_line=line, **data
        )
        return _order_answer(request, line.order_id, status.HTTP_201_CREATED)


class OrderRecordDeliveryApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_record_delivery",
        description="A delivery made of an order line, on its date (those who work the offer); never more than is "
        "left to deliver.",
        request=DeliveryInput,
        responses={201: OrderOutput},
    )
    def post(self, request, org_slug, order_line_id):
        line = _order_line(request, order_line_id)
        data = read_input(DeliveryInput, request)
        services_orders.delivery_record(
            organization=request.organization, actor=request.membership, order_line=line, **data
        )
        return _order_answer(request, line.order_id, status.HTTP_201_CREATED)


class OrderConfirmReceiptApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_confirm_receipt",
        description="The client received more of a delivery (partial receipts add up, never past what was delivered).",
        request=ReceiptInput,
        responses={200: OrderOutput},
    )
    def post(self, request, org_slug, delivery_id):
        delivery = _delivery(request, delivery_id)
        data = read_input(ReceiptInput, request)
        services_orders.delivery_confirm_receipt(
            organization=request.organization, actor=request.membership, delivery=delivery, **data
        )
        return _order_answer(request, delivery.order_line.order_id)


class OrderSetInvoiceByApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_set_invoice_by",
        description="Finance invoices the order by the ordered or by the delivered quantity.",
        request=InvoiceByInput,
        responses={200: OrderOutput},
    )
    def post(self, request, org_slug, order_id):
        order = _order(request, order_id)
        data = read_input(InvoiceByInput, request)
        services_orders.order_set_invoice_by(
            organization=request.organization, actor=request.membership, order=order, **data
        )
        return _order_answer(request, order.pk)


class OrderInvoiceApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="orders_invoice",
        description="Finance invoices what the order may invoice now: one billing draft, a line per order line "
        "with something invoiceable, to check and issue in billing. Takes no body. Answers with the draft.",
        request=None,
        responses={201: InvoiceOutput, 409: NOTHING_TO_INVOICE},
    )
    def post(self, request, org_slug, order_id):
        order = _order(request, order_id)
        invoice = services_orders.order_invoice(
            organization=request.organization, actor=request.membership, order=order
        )
        return _invoice_answer(request, invoice.pk, status.HTTP_201_CREATED)


class OrderCheckListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="orders_check_list",
        description=LIST_ORDER + " Finance's billing check: every order line whose delivered, invoiced (less "
        "credited) and received quantities differ, or that was credited; finance and admins only.",
        parameters=filter_parameters(OrderCheckFilter),
        responses=OrderCheckRowOutput(many=True),
    )
    def get(self, request, org_slug):
        filterset = order_check_filter(
            organization=request.organization, membership=request.membership, query=list_params(request)
        )
        return paginated(
            self, request, filtered(filterset), OrderCheckRowOutput, rows=lambda page: map(line_check, page)
        )
