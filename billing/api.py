"""API of invoices and credit notes: lists, reads, a draft created (with its lines), changed and
deleted, its lines added, changed and removed, issuing and crediting as operations of their
own. Everyone reads the documents of the accounts they see (the same visibility as the pages:
another's answers 404); writes go through billing.services, which decide who may (finance;
403 for the others) and what is valid (400; 409 for an issued invoice changed)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from billing import selectors, services
from billing.filters import CreditNoteFilter, InvoiceFilter
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceStatus
from catalog.api import ProductRefOutput
from catalog.models import Product, TaxRate
from clients.api import ClientRefOutput
from config.api import (
    ERROR_COMPONENT,
    LIST_ORDER,
    StrictSerializer,
    TenantRow,
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

InvoiceStatusField = named_enum("InvoiceStatusEnum", InvoiceStatus.choices)
ACCOUNT_OF_THIS_ORGANISATION = Invoice._meta.get_field("account").error_messages["invalid"]
PRODUCT_OF_THIS_ORGANISATION = InvoiceLine._meta.get_field("product").error_messages["invalid"]
TAX_RATE_OF_THIS_ORGANISATION = InvoiceLine._meta.get_field("tax_rate").error_messages["invalid"]
LINE_OF_THIS_INVOICE = CreditNoteLine._meta.get_field("invoice_line").error_messages["invalid"]
NUMBER_MESSAGES = ("invalid", "max_digits", "max_whole_digits", "max_decimal_places")
ISSUED = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
    description="The invoice has been issued: it cannot change any more (correct it with a credit note).",
)
NOTHING_TO_ISSUE = OpenApiResponse(
    response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
    description="Nothing to issue: the draft has no lines, or they add up to zero (`fields` says which).",
)


def _number(model, name: str, **kwargs) -> serializers.DecimalField:
    """A decimal of the model field's size, as a string (never a float), refused with the
    model field's own sentences."""
    field = model._meta.get_field(name)
    messages = {key: field.error_messages[key] for key in NUMBER_MESSAGES if key in field.error_messages}
    return serializers.DecimalField(
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        coerce_to_string=True,
        error_messages=messages,
        **kwargs,
    )


# --- Output ---------------------------------------------------------------------------------------


class RefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LineTaxRateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InvoiceLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    product = ProductRefOutput(allow_null=True)
    description = serializers.CharField()
    quantity = _number(InvoiceLine, "quantity")
    unit_price = money()
    discount_percent = _number(InvoiceLine, "discount_percent", help_text="Percent.")
    tax_rate = LineTaxRateOutput()
    tax_percent = _number(InvoiceLine, "tax_percent", help_text="The rate's percentage when the line was written.")
    net = money(help_text="Quantity × unit price less the discount, rounded half-up to the cent.")
    credited_quantity = _number(InvoiceLine, "quantity", help_text="Credited so far by credit notes.")


class CreditNoteRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    total = money()


class InvoiceSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text="Given when issued: 2026-000123.")
    status = InvoiceStatusField()
    account = RefOutput()
    client = ClientRefOutput(source="account.client")
    currency = serializers.CharField()
    issue_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    notes = serializers.CharField()
    rate_to_base = _number(Invoice, "rate_to_base", help_text="One unit of its currency in the base currency.")
    net_total = money()
    tax_total = money()
    total = money()
    credited = money(help_text="By its credit notes.")
    paid = money(help_text="The payments allocated to it that count.")
    outstanding = money(help_text="Total less credited less paid; never below zero; zero for a draft.")
    is_overdue = serializers.BooleanField(help_text="Something is outstanding past the due date (today).")
    created_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(allow_null=True)


class InvoiceOutput(InvoiceSummaryOutput):
    lines = InvoiceLineOutput(source="credited_lines", many=True)
    credit_notes = CreditNoteRefOutput(source="credit_notes.all", many=True)


class InvoiceRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class CreditNoteLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    invoice_line = serializers.IntegerField(source="invoice_line_id")
    description = serializers.CharField(source="invoice_line.description")
    quantity = _number(CreditNoteLine, "quantity")
    unit_price = money(source="invoice_line.unit_price")
    discount_percent = _number(InvoiceLine, "discount_percent", source="invoice_line.discount_percent")
    tax_percent = _number(CreditNoteLine, "tax_percent")
    net = money()


class CreditNoteSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="In its own series: R2026-000007.")
    invoice = InvoiceRefOutput()
    account = RefOutput()
    client = ClientRefOutput(source="account.client")
    currency = serializers.CharField()
    rate_to_base = _number(CreditNote, "rate_to_base", help_text="Its invoice's.")
    issue_date = serializers.DateField()
    reason = serializers.CharField()
    net_total = money()
    tax_total = money()
    total = money()
    created_at = serializers.DateTimeField()


class CreditNoteOutput(CreditNoteSummaryOutput):
    lines = CreditNoteLineOutput(source="lines.all", many=True)


# --- Input ----------------------------------------------------------------------------------------


class ItemRow(TenantRow):
    """TenantRow in an item of a list of inputs (an invoice's lines, a credit's lines): refused
    as a field of that item, so that the error names its place (`lines.0.product`)."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ApplicationError:
            raise serializers.ValidationError(self.message, code="does_not_exist") from None


class LineUpdateInput(StrictSerializer):
    """A line; a PATCH sends only what changes. A product chosen brings its price, tax rate
    and name unless they are sent too; `null` price or rate: the product's."""

    product = ItemRow(
        Product,
        message=PRODUCT_OF_THIS_ORGANISATION,
        required=False,
        allow_null=True,
        help_text="A product of the catalogue (not an obsolete one); none for a line of free text.",
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Empty: the product's name."
    )
    quantity = _number(InvoiceLine, "quantity", required=False, help_text="More than zero, up to three decimals.")
    unit_price = _number(
        InvoiceLine, "unit_price", required=False, allow_null=True, help_text="Null: the product's list price."
    )
    discount_percent = _number(InvoiceLine, "discount_percent", required=False, help_text="0 to 100.")
    tax_rate = ItemRow(
        TaxRate,
        message=TAX_RATE_OF_THIS_ORGANISATION,
        required=False,
        allow_null=True,
        help_text="The id of an active tax rate; null: the product's.",
    )


class LineInput(LineUpdateInput):
    quantity = _number(InvoiceLine, "quantity", help_text="More than zero, up to three decimals.")


class InvoiceUpdateInput(StrictSerializer):
    """A draft's header; a PATCH sends only what changes."""

    issue_date = serializers.DateField(required=False, allow_null=True, help_text="Null: the day it is issued.")
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="Null: the issue date plus the account's payment terms."
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    rate_to_base = _number(
        Invoice,
        "rate_to_base",
        required=False,
        help_text="One unit of its currency in the base currency: 1 for the base currency, required for another.",
    )


class InvoiceCreateInput(InvoiceUpdateInput):
    account = TenantRow(Account, message=ACCOUNT_OF_THIS_ORGANISATION, help_text="The account invoiced.")
    currency = serializers.CharField(
        max_length=3, required=False, help_text="The account's (the default); another is refused."
    )
    notes = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Omitted: the billing settings' invoice notes."
    )
    lines = LineInput(many=True, required=False, help_text="In order; positions 1, 2, …")


class CreditLineInput(StrictSerializer):
    invoice_line = ItemRow(InvoiceLine, message=LINE_OF_THIS_INVOICE, help_text="The id of a line of the invoice.")
    quantity = _number(CreditNoteLine, "quantity", help_text="At most what is left to credit of the line.")


class CreditInput(StrictSerializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="Printed on the credit note.")
    whole = serializers.BooleanField(required=False, default=False, help_text="Credit everything not credited yet.")
    lines = CreditLineInput(many=True, required=False, help_text="Or: the lines and quantities to credit.")
    issue_date = serializers.DateField(
        required=False, allow_null=True, help_text="Today by default; not before the invoice."
    )


# --- Views ----------------------------------------------------------------------------------------


def _invoice(request, invoice_id: int) -> Invoice:
    return selectors.invoice_get(
        organization=request.organization, membership=request.membership, invoice_id=invoice_id
    )


def _invoice_answer(request, invoice_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    """The invoice as it is now, with its lines and credit notes."""
    invoice = _invoice(request, invoice_id)
    invoice.credited_lines = selectors.with_credited(
        organization=request.organization, invoice=invoice, lines=list(invoice.lines.all())
    )
    return Response(InvoiceOutput(invoice).data, status=status_code)


def _line(request, invoice: Invoice, line_id: int) -> InvoiceLine:
    return InvoiceLine.objects.get(organization=request.organization, invoice=invoice, pk=line_id)


class InvoiceListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="invoices_list",
        description=LIST_ORDER + " The invoices of the accounts this membership sees, without their lines.",
        parameters=filter_parameters(InvoiceFilter),
        responses=InvoiceSummaryOutput(many=True),
    )
    def get(self, request, org_slug):
        invoices = selectors.invoice_list(organization=request.organization, membership=request.membership)
        filterset = InvoiceFilter(list_params(request), queryset=invoices, request=request)
        return paginated(self, request, filtered(filterset), InvoiceSummaryOutput)

    @extend_schema(
        operation_id="invoices_create",
        description="Finance drafts an invoice for an account, in its currency, with its lines. A draft has no "
        "number until it is issued.",
        request=InvoiceCreateInput,
        responses={201: InvoiceOutput},
    )
    def post(self, request, org_slug):
        data = read_input(InvoiceCreateInput, request)
        data["lines"] = [dict(line) for line in data.get("lines", [])]
        invoice = services.invoice_create(organization=request.organization, actor=request.membership, **data)
        return _invoice_answer(request, invoice.pk, status.HTTP_201_CREATED)


class InvoiceDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="invoices_retrieve", responses=InvoiceOutput)
    def get(self, request, org_slug, invoice_id):
        return _invoice_answer(request, invoice_id)

    @extend_schema(
        operation_id="invoices_update",
        description="A draft's dates, notes or rate; only the fields sent change. An issued invoice answers 409: "
        "correct it with a credit note.",
        request=InvoiceUpdateInput,
        responses={200: InvoiceOutput, 409: ISSUED},
    )
    def patch(self, request, org_slug, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = read_input(InvoiceUpdateInput, request)
        services.invoice_update(organization=request.organization, actor=request.membership, invoice=invoice, **data)
        return _invoice_answer(request, invoice.pk)

    @extend_schema(
        operation_id="invoices_destroy",
        description="Delete a draft and its lines. An issued invoice answers 409.",
        responses={204: None, 409: ISSUED},
    )
    def delete(self, request, org_slug, invoice_id):
        invoice = _invoice(request, invoice_id)
        services.invoice_delete(organization=request.organization, actor=request.membership, invoice=invoice)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoiceLineListApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="invoices_lines_add",
        description="Add a line at the end of a draft. Answers with the invoice and its new totals.",
        request=LineInput,
        responses={201: InvoiceOutput, 409: ISSUED},
    )
    def post(self, request, org_slug, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = read_input(LineInput, request)
        services.invoice_line_add(organization=request.organization, actor=request.membership, invoice=invoice, **data)
        return _invoice_answer(request, invoice.pk, status.HTTP_201_CREATED)


class InvoiceLineDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="invoices_lines_update",
        description="Change a line of a draft; only the fields sent change. Answers with the invoice.",
        request=LineUpdateInput,
        responses={200: InvoiceOutput, 409: ISSUED},
    )
    def patch(self, request, org_slug, invoice_id, line_id):
        invoice = _invoice(request, invoice_id)
        line = _line(request, invoice, line_id)
        data = read_input(LineUpdateInput, request)
        services.invoice_line_update(organization=request.organization, actor=request.membership, line=line, **data)
        return _invoice_answer(request, invoice.pk)

    @extend_schema(
        operation_id="invoices_lines_remove",
        description="Remove a line of a draft. Answers with the invoice and its new totals.",
        responses={200: InvoiceOutput, 409: ISSUED},
    )
    def delete(self, request, org_slug, invoice_id, line_id):
        invoice = _invoice(request, invoice_id)
        line = _line(request, invoice, line_id)
        services.invoice_line_remove(organization=request.organization, actor=request.membership, line=line)
        return _invoice_answer(request, invoice.pk)


class InvoiceIssueApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="invoices_issue",
        description="Issue a draft: it gets the next number of the organisation's series for its year (no gaps), "
        "its issue date (today if it had none), its due date, and a debit in the ledger; from then on it cannot "
        "change. Takes no body. A draft without lines, or adding up to zero, is refused; an issued one answers 409.",
        request=None,
        responses={200: InvoiceOutput, 400: NOTHING_TO_ISSUE, 409: ISSUED},
    )
    def post(self, request, org_slug, invoice_id):
        invoice = _invoice(request, invoice_id)
        services.invoice_issue(organization=request.organization, actor=request.membership, invoice=invoice)
        return _invoice_answer(request, invoice.pk)


class InvoiceCreditApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="invoices_credit",
        description="Credit an issued invoice: the whole of what is not credited yet (`whole`), or `lines` with "
        "quantities up to what is left of each. The credit note is numbered in its own series (R2026-000007) and "
        "credits the account in the ledger. Answers with the credit note.",
        request=CreditInput,
        responses={201: CreditNoteOutput},
    )
    def post(self, request, org_slug, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = read_input(CreditInput, request)
        lines = [(line["invoice_line"], line["quantity"]) for line in data.pop("lines", [])]
        note = services.credit_note_create(
            organization=request.organization, actor=request.membership, invoice=invoice, lines=lines or None, **data
        )
        return Response(CreditNoteOutput(_credit_note(request, note.pk)).data, status=status.HTTP_201_CREATED)


def _credit_note(request, credit_note_id: int) -> CreditNote:
    return selectors.credit_note_get(
        organization=request.organization, membership=request.membership, credit_note_id=credit_note_id
    )


class CreditNoteListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="credit_notes_list",
        description=LIST_ORDER + " The credit notes of the accounts this membership sees, without their lines.",
        parameters=filter_parameters(CreditNoteFilter),
        responses=CreditNoteSummaryOutput(many=True),
    )
    def get(self, request, org_slug):
        notes = selectors.credit_note_list(organization=request.organization, membership=request.membership)
        filterset = CreditNoteFilter(list_params(request), queryset=notes, request=request)
        return paginated(self, request, filtered(filterset), CreditNoteSummaryOutput)


class CreditNoteDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="credit_notes_retrieve", responses=CreditNoteOutput)
    def get(self, request, org_slug, credit_note_id):
        return Response(CreditNoteOutput(_credit_note(request, credit_note_id)).data)
