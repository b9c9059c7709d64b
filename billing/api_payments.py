"""API of payments: the list, a payment, recording one (with its allocations, optionally),
allocating what is left of it, reversing it, and the list of allocations (of a payment, or to
an invoice).

Reads go through billing.selectors_payments: the payments of the accounts one sees (another
account's, or another organisation's, answer 404 as if they did not exist). Writes go through
billing.services, which decide who may (finance: 403 for the others) and what is valid (400;
a reversed payment, 409)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import AccountRefOutput
from accounts.models import Account
from accounts.selectors import account_get
from billing import services
from billing.api import InvoiceRefOutput
from billing.filters_payments import AllocationFilter, PaymentFilter
from billing.models import Allocation, AllocationEnd, Invoice, Payment, PaymentMethod
from billing.selectors import payment_get, payment_list
from billing.selectors_payments import allocation_list
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
from config.errors import ApplicationError
from tenancy.permissions import IsTenantMember

PaymentMethodField = named_enum("PaymentMethodEnum", PaymentMethod.choices)
# An invoice of no one, or of another organisation: the model's own sentence for it.
INVOICE_OF_THIS_ORGANISATION = Allocation._meta.get_field("invoice").error_messages["invalid"]
REVERSED = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
    description="The payment has been reversed: it cannot be allocated or reversed again.",
)


class AllocationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    payment = serializers.IntegerField(source="payment_id")
    invoice = InvoiceRefOutput()
    amount = money()
    allocated_on = serializers.DateField(
        help_text="From when it counts: the later of the payment's and the invoice's dates."
    )
    is_active = serializers.BooleanField(help_text="False once a reversal of the payment or a credit note ended it.")
    ended_on = serializers.DateField(source="reversed_on", allow_null=True, help_text="From when it stopped counting.")
    ended_because = serializers.SerializerMethodField(help_text="Null while it counts.")

    @extend_schema_field(
        {"type": "string", "enum": [value for value, _label in AllocationEnd.choices], "nullable": True}
    )
    def get_ended_because(self, allocation: Allocation) -> str | None:
        return allocation.reversal or None

    created_at = serializers.DateTimeField()


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account = AccountRefOutput()
    currency = serializers.CharField(help_text="The account's.")
    amount = money()
    received_on = serializers.DateField()
    method = PaymentMethodField()
    reference = serializers.CharField()
    rate_to_base = serializers.DecimalField(max_digits=18, decimal_places=8, coerce_to_string=True)
    allocated = money(help_text="What its allocations that still count apply to invoices.")
    unallocated = money(help_text="What is left to allocate: the account's credit (0 once reversed).")
    is_reversed = serializers.BooleanField()
    reversed_on = serializers.DateField(allow_null=True)
    reversal_reason = serializers.CharField()
    allocations = AllocationOutput(many=True, help_text="Every allocation, ended ones too, oldest first.")
    created_at = serializers.DateTimeField()


class AllocationInput(StrictSerializer):
    invoice = serializers.IntegerField(help_text="The id of an issued invoice of the payment's account.")
    amount = money(help_text="At most what is open on the invoice.")


def _allocations_input(**kwargs) -> AllocationInput:
    return AllocationInput(
        many=True, help_text="What to apply to which invoice; in all, at most what the payment has left.", **kwargs
    )


def _with_allocations(payments):
    allocations = Allocation.objects.select_related("invoice").order_by("id")
    return payments.prefetch_related(Prefetch("allocations", queryset=allocations))


def _payment(request, payment_id: int) -> Payment:
    """The payment, with its allocations, if this person sees its account; Payment.DoesNotExist
    (404) otherwise."""
    return payment_get(organization=request.organization, membership=request.membership, payment_id=payment_id)


def _visible_account(request, account_id: int) -> Account:
    try:
        return account_get(organization=request.organization, membership=request.membership, account_id=account_id)
    except Account.DoesNotExist:
        raise ApplicationError(
            _("Not found."), {"account": _("No account you can see has this id.")}, code="not_found", status=404
        ) from None


def _invoices(request, allocations: list[dict]) -> list[tuple[Invoice, object]]:
    """The body's allocations as (invoice, amount): an id of no invoice of this organisation is
    refused under `allocations.<i>.invoice`, as the services say it."""
    ids = [item["invoice"] for item in allocations]
    found = Invoice.objects.filter(organization=request.organization, pk__in=ids).in_bulk()
    pairs = []
    for index, item in enumerate(allocations):
        invoice = found.get(item["invoice"])
        if invoice is None:
            raise ApplicationError(
                INVOICE_OF_THIS_ORGANISATION, {f"allocations.{index}.invoice": INVOICE_OF_THIS_ORGANISATION}
            )
        pairs.append((invoice, item["amount"]))
    return pairs


class PaymentListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class PaymentCreateInput(StrictSerializer):
        account = serializers.IntegerField(help_text="The id of the account that paid.")
        amount = money()
        received_on = serializers.DateField()
        method = PaymentMethodField(required=False, help_text="A bank transfer if omitted.")
        reference = serializers.CharField(max_length=140, required=False, allow_blank=True)
        rate_to_base = serializers.DecimalField(
            max_digits=18,
            decimal_places=8,
            coerce_to_string=True,
            required=False,
            help_text="Required when the account's currency is not the organisation's base currency.",
        )
        allocations = _allocations_input(required=False)

    @extend_schema(
        operation_id="payments_list",
        description=LIST_ORDER + " The payments of the accounts you see.",
        parameters=filter_parameters(PaymentFilter),
        responses=PaymentOutput(many=True),
    )
    def get(self, request, org_slug):
        payments = _with_allocations(payment_list(organization=request.organization, membership=request.membership))
        filterset = PaymentFilter(list_params(request), queryset=payments, request=request)
        return paginated(self, request, filtered(filterset), PaymentOutput)

    @extend_schema(
        operation_id="payments_create",
        description="Finance records money received from an account, in its currency, and may allocate it at once "
        "(all or nothing). What is not allocated stays as the account's credit.",
        request=PaymentCreateInput,
        responses={201: PaymentOutput},
    )
    def post(self, request, org_slug):
        data = read_input(self.PaymentCreateInput, request)
        account = _visible_account(request, data.pop("account"))
        allocations = _invoices(request, data.pop("allocations", []))
        payment = services.payment_record(
            organization=request.organization,
            actor=request.membership,
            account=account,
            allocations=allocations or None,
            **data,
        )
        return Response(PaymentOutput(_payment(request, payment.pk)).data, status=status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="payments_retrieve", responses=PaymentOutput)
    def get(self, request, org_slug, payment_id):
        return Response(PaymentOutput(_payment(request, payment_id)).data)


class PaymentAllocateApi(APIView):
    permission_classes = [IsTenantMember]

    class AllocateInput(StrictSerializer):
        allocations = _allocations_input(allow_empty=False)

    @extend_schema(
        operation_id="payments_allocate",
        description="Finance allocates what is left of a payment to issued invoices of its account, partial amounts "
        "allowed: never more than the payment has left, nor more than is open on an invoice (all or nothing). "
        "A reversed payment answers 409.",
        request=AllocateInput,
        responses={200: PaymentOutput, 409: REVERSED},
    )
    def post(self, request, org_slug, payment_id):
        payment = _payment(request, payment_id)
        data = read_input(self.AllocateInput, request)
        services.payment_allocate(
            organization=request.organization,
            actor=request.membership,
            payment=payment,
            allocations=_invoices(request, data["allocations"]),
        )
        return Response(PaymentOutput(_payment(request, payment.pk)).data)


class PaymentReverseApi(APIView):
    permission_classes = [IsTenantMember]

    class ReverseInput(StrictSerializer):
        reversed_on = serializers.DateField(help_text="When the bank returned it; not before it was received.")
        reason = serializers.CharField(max_length=1000)

    @extend_schema(
        operation_id="payments_reverse",
        description="Finance reverses (bounces) a payment, once: its allocations end (their rows stay), the invoices "
        "they paid are open again and the ledger is debited back. A second reversal answers 409.",
        request=ReverseInput,
        responses={200: PaymentOutput, 409: REVERSED},
    )
    def post(self, request, org_slug, payment_id):
        payment = _payment(request, payment_id)
        data = read_input(self.ReverseInput, request)
        services.payment_reverse(organization=request.organization, actor=request.membership, payment=payment, **data)
        return Response(PaymentOutput(_payment(request, payment.pk)).data)


class AllocationListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="allocations_list",
        description=LIST_ORDER
        + " The allocations of the payments you see; `payment` or `invoice` narrows them to one.",
        parameters=filter_parameters(AllocationFilter),
        responses=AllocationOutput(many=True),
    )
    def get(self, request, org_slug):
        allocations = allocation_list(organization=request.organization, membership=request.membership)
        filterset = AllocationFilter(list_params(request), queryset=allocations, request=request)
        return paginated(self, request, filtered(filterset), AllocationOutput)
