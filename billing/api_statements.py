"""API of statements: an account's statement and its product statement, as reads with the period,
the product or category and the format as query parameters. JSON by default; `format=pdf`,
`csv` (streamed, `bom=true` for Excel) or `xlsx` answer the file, the same as the page's.

The same visibility as the pages: whoever sees the account (finance and admins every account,
account executives and leads the accounts they see) reads its statements; any other account
answers 404, as if it did not exist."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import account_get
from billing import documents
from billing.models import LedgerKind
from billing.selectors import BUCKETS
from billing.statements import (
    PRODUCT_ROW_LABELS,
    AccountStatement,
    ProductStatementReport,
    product_statement_for,
    statement_for_account,
    statement_reader,
    year_to_date,
)
from catalog.models import Category, Product
from config.api import StrictSerializer, TenantRow, money, named_enum
from tenancy.permissions import IsTenantMember

FORMATS = ["json", "pdf", "csv", "xlsx"]
LedgerKindField = named_enum("LedgerKindEnum", LedgerKind.choices)
ProductRowKindField = named_enum("ProductStatementRowKindEnum", [(key, key) for key in PRODUCT_ROW_LABELS])


# --- Files in the content negotiation ---------------------------------------------------------------


class _FileRenderer(BaseRenderer):
    """Lets `format=pdf|csv|xlsx` through DRF's content negotiation: the view answers those
    files itself, and everything it answers through DRF (data, refusals) is JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class PdfRenderer(_FileRenderer):
    media_type, format = documents.PDF, "pdf"


class CsvRenderer(_FileRenderer):
    media_type, format = "text/csv", "csv"


class XlsxRenderer(_FileRenderer):
    media_type, format = documents.XLSX, "xlsx"


class _Negotiation(DefaultContentNegotiation):
    """A format we do not make is a refusal of the `format` parameter (the query's serializer
    says so), not DRF's 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get("format") not in FORMATS:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class _StatementApi(APIView):
    permission_classes = [IsTenantMember]
    renderer_classes = [JSONRenderer, PdfRenderer, CsvRenderer, XlsxRenderer]
    content_negotiation_class = _Negotiation

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # data or a refusal: JSON whatever the format asked
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


FILE_RESPONSES = {
    (200, documents.PDF): OpenApiTypes.BINARY,
    (200, "text/csv"): OpenApiTypes.STR,
    (200, documents.XLSX): OpenApiTypes.BINARY,
}


# --- Input --------------------------------------------------------------------------------------------


class StatementQuery(StrictSerializer):
    start = serializers.DateField(required=False, help_text="The first day, included. The first of January by default.")
    end = serializers.DateField(required=False, help_text="The last day, included. Today by default.")
    format = serializers.ChoiceField(
        choices=FORMATS,
        required=False,
        default="json",
        help_text="json (this document), pdf (in the language of the account's finance contact), csv "
        "(`;`-separated, streamed) or xlsx.",
    )
    bom = serializers.BooleanField(
        required=False, default=False, help_text="With format=csv: start with a byte-order mark, for Excel."
    )

    def validate(self, data):
        today = timezone.localdate()
        start, end = year_to_date(today)
        data.setdefault("start", start)
        data.setdefault("end", end)
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "The period ends on or after the day it starts."})
        return data


class ProductStatementQuery(StatementQuery):
    product = TenantRow(
        Product,
        message="Choose a product of the catalogue.",
        required=False,
        help_text="The product's id; or give `category`.",
    )
    category = TenantRow(
        Category,
        message="Choose a category of the catalogue.",
        required=False,
        help_text="A category's id: the operations of all its products.",
    )

    def validate(self, data):
        data = super().validate(data)
        if bool(data.get("product")) == bool(data.get("category")):
            raise serializers.ValidationError({"product": "Choose a product or a category (one of them)."})
        return data


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Output -------------------------------------------------------------------------------------------


class _AccountRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _ClientRef(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    tax_id = serializers.CharField()


class StatementEntryOutput(serializers.Serializer):
    date = serializers.DateField(source="entry_date")
    kind = LedgerKindField()
    document = serializers.CharField(help_text="The invoice's or credit note's number, the payment's reference.")
    description = serializers.CharField()
    due_date = serializers.DateField(allow_null=True, help_text="An invoice's.")
    debit = money()
    credit = money()
    balance = money(help_text="What the account owes after this entry.")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    credit_note = serializers.IntegerField(source="credit_note_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)


class AgingOutput(serializers.Serializer):
    as_of = serializers.DateField()
    current = money()
    days_1_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    days_91_120 = money()
    over_120 = money()
    total_open = money()
    unallocated = money(help_text="Payments received and not applied to an invoice: the account's credit.")
    balance = money(help_text="total_open − unallocated: the closing balance.")


def _aging(aging) -> dict:
    return {
        "as_of": aging.as_of,
        **{key: getattr(aging.open, key) for key in BUCKETS},
        "total_open": aging.total_open,
        "unallocated": aging.unallocated,
        "balance": aging.balance,
    }


class StatementOutput(serializers.Serializer):
    account = _AccountRef()
    client = _ClientRef()
    currency = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    opening_balance = money()
    debits = money()
    credits = money()
    closing_balance = money(help_text="opening_balance + debits − credits: the ledger's balance at `end`.")
    entries = StatementEntryOutput(many=True)
    aging = AgingOutput(help_text="What is open at `end`, by days past due.")


class _ProductRef(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()


class _CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _decimal(places: int, digits: int = 14, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=digits, decimal_places=places, coerce_to_string=True, allow_null=True, **kwargs
    )


class ProductStatementRowOutput(serializers.Serializer):
    date = serializers.DateField(source="entry_date")
    kind = ProductRowKindField(
        help_text="invoice and credit_note: the product's lines (a credit negative); allocation: a payment applied "
        "to an invoice that carries the product; ended: an allocation undone (the payment reversed, or released "
        "by a credit note), negative."
    )
    attributed_pro_rata = serializers.BooleanField(source="is_attributed")
    document = serializers.CharField(help_text="The invoice's or credit note's number; a payment's reference.")
    invoice = serializers.CharField(
        source="invoice_number", help_text="The invoice a credit note corrects, or a payment was applied to."
    )
    sku = serializers.CharField()
    description = serializers.CharField()
    quantity = _decimal(3, 12)
    net = _decimal(2)
    applied = _decimal(2, help_text="A payment's amount applied to the whole invoice.")
    share = _decimal(8, 9, help_text="The product's share of the invoice's total, 0 to 1.")
    attributed = _decimal(2, help_text="The part of the payment attributed to the product.")


class ProductStatementOutput(serializers.Serializer):
    account = _AccountRef()
    client = _ClientRef()
    currency = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    product = _ProductRef(allow_null=True)
    category = _CategoryRef(allow_null=True)
    quantity_invoiced = _decimal(3, 14)
    quantity_credited = _decimal(3, 14)
    net_invoiced = money()
    net_credited = money()
    attributed_paid = money(help_text="The payments attributed to the product, less those undone.")
    attribution_note = serializers.CharField()
    rows = ProductStatementRowOutput(many=True)


# --- Operations -------------------------------------------------------------------------------------


def _file(request, statement: AccountStatement | ProductStatementReport, query: dict):
    fmt, is_account = query["format"], isinstance(statement, AccountStatement)
    if fmt == "pdf":
        reader = statement_reader(organization=request.organization, account=statement.account)
        make = documents.statement_pdf if is_account else documents.product_statement_pdf
        return documents.pdf_response(make(statement, language=reader.language), documents.filename(statement, "pdf"))
    if fmt == "csv":
        if is_account:
            return documents.statement_csv_response(statement, bom=query["bom"])
        return documents.product_statement_csv_response(statement, bom=query["bom"])
    make = documents.statement_xlsx if is_account else documents.product_statement_xlsx
    return documents.xlsx_response(make(statement), documents.filename(statement, "xlsx"))


class StatementApi(_StatementApi):
    @extend_schema(
        operation_id="billing_statement_retrieve",
        description="The account's statement for a period: the opening balance, every invoice, credit note, "
        "payment and payment reversal with the running balance, the closing balance and the aging at the end "
        "date. Whoever sees the account reads it.",
        parameters=[StatementQuery],
        responses={(200, "application/json"): StatementOutput, **FILE_RESPONSES},
    )
    def get(self, request, org_slug, account_id):
        account = account_get(organization=request.organization, membership=request.membership, account_id=account_id)
        query = _query(StatementQuery, request)
        statement = statement_for_account(
            organization=request.organization, account=account, start=query["start"], end=query["end"]
        )
        if query["format"] != "json":
            return _file(request, statement, query)
        data = {
            "account": account,
            "client": account.client,
            "currency": account.currency,
            "start": statement.start,
            "end": statement.end,
            "opening_balance": statement.opening,
            "debits": statement.debits,
            "credits": statement.credits,
            "closing_balance": statement.closing,
            "entries": statement.entries(),
            "aging": _aging(statement.aging),
        }
        return Response(StatementOutput(data).data)


class ProductStatementApi(_StatementApi):
    @extend_schema(
        operation_id="billing_product_statement_retrieve",
        description="The operations of one product (or of the products of a category) on the account in a "
        "period: its invoice and credit note lines with quantities and amounts, and the payments applied to "
        "those invoices, attributed pro rata to the product's share of each invoice's total, tax included "
        "(labelled attributed_pro_rata).",
        parameters=[ProductStatementQuery],
        responses={(200, "application/json"): ProductStatementOutput, **FILE_RESPONSES},
    )
    def get(self, request, org_slug, account_id):
        account = account_get(organization=request.organization, membership=request.membership, account_id=account_id)
        query = _query(ProductStatementQuery, request)
        statement = product_statement_for(
            organization=request.organization,
            account=account,
            start=query["start"],
            end=query["end"],
            product=query.get("product"),
            category=query.get("category"),
        )
        if query["format"] != "json":
            return _file(request, statement, query)
        data = {
            "account": account,
            "client": account.client,
            "currency": account.currency,
            "start": statement.start,
            "end": statement.end,
            "product": statement.product,
            "category": statement.category,
            "quantity_invoiced": statement.quantity_invoiced,
            "quantity_credited": statement.quantity_credited,
            "net_invoiced": statement.net_invoiced,
            "net_credited": statement.net_credited,
            "attributed_paid": statement.attributed_paid,
            "attribution_note": statement.attribution_note,
            "rows": statement.rows,
        }
        return Response(ProductStatementOutput(data).data)
