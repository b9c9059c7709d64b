"""API of the catalogue: products (with their prices), a price set, a product made obsolete or
sold again, and the lists of tax rates and categories. Every member reads it; writes go through
catalog.services, which decide who may change it (admins and finance: 403 for the others) and
what is valid (400)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.filters import ProductFilter
from catalog.models import Category, Product, ProductKind, ProductStatus, TaxRate, Unit
from config.api import (
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
from tenancy.permissions import IsTenantMember

ProductKindField = named_enum("ProductKindEnum", ProductKind.choices)
ProductUnitField = named_enum("ProductUnitEnum", Unit.choices)
ProductStatusField = named_enum("ProductStatusEnum", ProductStatus.choices)
# A row of no one, or of another organisation, refused with the model's own sentence for it.
CATEGORY_OF_THIS_ORGANISATION, TAX_RATE_OF_THIS_ORGANISATION, PRODUCT_OF_THIS_ORGANISATION = (
    Product._meta.get_field(name).error_messages["invalid"] for name in ("category", "tax_rate", "replaced_by")
)


def _rate(**kwargs) -> serializers.DecimalField:
    """A percentage as a string with two decimals, like money: never a float."""
    return serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, **kwargs)


class CategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaxRateRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rate = _rate(help_text="Percent.")
    is_exempt = serializers.BooleanField()


class TaxRateOutput(TaxRateRefOutput):
    exemption_reason = serializers.CharField()
    is_active = serializers.BooleanField(help_text="A retired rate (false) is kept for what was sold with it.")


class ProductRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()


class PriceOutput(serializers.Serializer):
    currency = serializers.CharField()
    list_price = money()
    unit_cost = money()


class ProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = ProductKindField()
    category = CategoryOutput(allow_null=True)
    unit = ProductUnitField()
    tax_rate = TaxRateRefOutput()
    status = ProductStatusField()
    obsolete_on = serializers.DateField(allow_null=True)
    replaced_by = ProductRefOutput(allow_null=True)
    prices = PriceOutput(source="prices.all", many=True, help_text="One per currency.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PriceInput(StrictSerializer):
    currency = serializers.CharField(max_length=3, help_text="ISO 4217 code, like EUR.")
    list_price = money()
    unit_cost = money(required=False, help_text="0 if omitted for a new currency; unchanged otherwise.")


class ProductUpdateInput(StrictSerializer):
    """A product as the API takes it; a PATCH sends only what changes."""

    sku = serializers.CharField(max_length=40, required=False)
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    kind = ProductKindField(required=False)
    category = TenantRow(
        Category, message=CATEGORY_OF_THIS_ORGANISATION, required=False, allow_null=True, help_text="Category id."
    )
    unit = ProductUnitField(required=False)
    tax_rate = TenantRow(
        TaxRate, message=TAX_RATE_OF_THIS_ORGANISATION, required=False, help_text="The id of an active tax rate."
    )


class ProductCreateInput(ProductUpdateInput):
    sku = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    tax_rate = TenantRow(TaxRate, message=TAX_RATE_OF_THIS_ORGANISATION, help_text="The id of an active tax rate.")
    prices = PriceInput(many=True, required=False, help_text="Its list price and unit cost, one per currency.")


def _product(request, product_id: int) -> Product:
    return selectors.product_get(organization=request.organization, product_id=product_id)


class ProductListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="products_list",
        description=LIST_ORDER,
        parameters=filter_parameters(ProductFilter),
        responses=ProductOutput(many=True),
    )
    def get(self, request, org_slug):
        products = selectors.product_list_with_prices(organization=request.organization)
        filterset = ProductFilter(list_params(request), queryset=products, request=request)
        return paginated(self, request, filtered(filterset), ProductOutput)

    @extend_schema(
        operation_id="products_create",
        description="Admins and finance add products; a new product is active.",
        request=ProductCreateInput,
        responses={201: ProductOutput},
    )
    def post(self, request, org_slug):
        data = read_input(ProductCreateInput, request)
        product = services.product_create(organization=request.organization, actor=request.membership, **data)
        return Response(ProductOutput(_product(request, product.pk)).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="products_retrieve", responses=ProductOutput)
    def get(self, request, org_slug, product_id):
        return Response(ProductOutput(_product(request, product_id)).data)

    @extend_schema(
        operation_id="products_update",
        description="Only the fields sent change. Its prices, and whether it is obsolete, have their own operations.",
        request=ProductUpdateInput,
        responses=ProductOutput,
    )
    def patch(self, request, org_slug, product_id):
        product = _product(request, product_id)
        data = read_input(ProductUpdateInput, request)
        services.product_update(organization=request.organization, actor=request.membership, product=product, **data)
        return Response(ProductOutput(_product(request, product.pk)).data)


class ProductPriceApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="products_set_price",
        description="The list price and unit cost in one currency: added for a currency the product has no price "
        "in, changed otherwise (from what to what is in the audit trail). Answers with the product.",
        request=PriceInput,
        responses=ProductOutput,
    )
    def post(self, request, org_slug, product_id):
        product = _product(request, product_id)
        data = read_input(PriceInput, request)
        services.product_price_set(organization=request.organization, actor=request.membership, product=product, **data)
        return Response(ProductOutput(_product(request, product.pk)).data)


class ProductObsoleteApi(APIView):
    permission_classes = [IsTenantMember]

    class ObsoleteInput(StrictSerializer):
        replaced_by = TenantRow(
            Product,
            message=PRODUCT_OF_THIS_ORGANISATION,
            required=False,
            allow_null=True,
            help_text="The id of the active product that replaces it; none if nothing does.",
        )
        obsolete_on = serializers.DateField(
            required=False, allow_null=True, help_text="Since when: today or an earlier day. Required."
        )

    @extend_schema(
        operation_id="products_make_obsolete",
        description="No new invoice or offer line may use it from now on; one that tries is told what replaces it. "
        "An obsolete product given another replacement or date keeps the latest. Answers with the product.",
        request=ObsoleteInput,
        responses=ProductOutput,
    )
    def post(self, request, org_slug, product_id):
        product = _product(request, product_id)
        data = {"replaced_by": None, "obsolete_on": None} | read_input(self.ObsoleteInput, request)
        services.product_make_obsolete(
            organization=request.organization, actor=request.membership, product=product, **data
        )
        return Response(ProductOutput(_product(request, product.pk)).data)


class ProductReactivateApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="products_reactivate",
        description="Sell an obsolete product again: active, without replacement or date. Takes no body. "
        "Answers with the product.",
        request=None,
        responses=ProductOutput,
    )
    def post(self, request, org_slug, product_id):
        product = _product(request, product_id)
        services.product_reactivate(organization=request.organization, actor=request.membership, product=product)
        return Response(ProductOutput(_product(request, product.pk)).data)


class TaxRateListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(operation_id="tax_rates_list", description=LIST_ORDER, responses=TaxRateOutput(many=True))
    def get(self, request, org_slug):
        return paginated(self, request, selectors.tax_rate_list(organization=request.organization), TaxRateOutput)


class CategoryListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    @extend_schema(operation_id="categories_list", description=LIST_ORDER, responses=CategoryOutput(many=True))
    def get(self, request, org_slug):
        return paginated(self, request, selectors.category_list(organization=request.organization), CategoryOutput)
