"""API of clients and contacts: one view per operation group, each with its own input and output
serializers. The client directory is shared by every member; writes go through clients.services,
which decide who may change it.

The helpers at the top (filters, cursor pages, named enums) serve accounts.api as well."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import selectors, services
from clients.filters import ClientFilter, ContactFilter
from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CHOICES
from config.api_pagination import CursorPagination
from config.errors import ApplicationError
from tenancy.api import StrictSerializer
from tenancy.permissions import IsTenantMember

# --- Shared by the portfolio APIs ----------------------------------------------------------------

LIST_ORDER = (
    "Cursor-paginated, newest first (by id). The pages' `sort` parameter is ignored here: "
    "a cursor needs a unique, stable order. Other parameters filter exactly as on the page; "
    "an invalid value is a 400 naming the parameter."
)


def read_input(serializer_class: type[serializers.Serializer], request) -> dict[str, Any]:
    """The request body parsed by `serializer_class`: only the fields that were sent."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def list_params(request):
    """The query string for a FilterSet, without `sort` (the API orders by id; see LIST_ORDER)."""
    params = request.GET.copy()
    params.pop("sort", None)
    return params


def filtered(filterset: django_filters.FilterSet) -> QuerySet:
    """The FilterSet's queryset; a parameter with an invalid value is a 400, not silently ignored."""
    if not filterset.is_valid():
        raise serializers.ValidationError(filterset.errors)
    return filterset.qs


def paginated(view: APIView, request, queryset: QuerySet, output: type[serializers.Serializer], rows: Callable[[list], Iterable] | None = None) -> Response:
    """One cursor page of `queryset` (ordered by the paginator's unique key) in `output`."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(rows(page) if rows else page, many=True).data)


def filter_parameters(filterset_class: type[django_filters.FilterSet], exclude: Iterable[str] = ("sort",)) -> list[OpenApiParameter]:
    """The FilterSet's parameters for the OpenAPI document, typed from each filter's class."""
    parameters = []
    for name, item in filterset_class.base_filters.items():
        if name in exclude:
            continue
        enum = None
        if isinstance(item, django_filters.BooleanFilter):
            kind = OpenApiTypes.BOOL
        elif isinstance(item, django_filters.IsoDateTimeFilter):
            kind = OpenApiTypes.DATETIME
        elif isinstance(item, django_filters.DateFilter):
            kind = OpenApiTypes.DATE
        elif isinstance(item, (django_filters.NumberFilter, django_filters.ModelChoiceFilter)):
            kind = OpenApiTypes.INT  # our number filters are ids
        elif isinstance(item, django_filters.ChoiceFilter):
            kind, enum = OpenApiTypes.STR, [value for value, _label in item.extra["choices"]]
        else:
            kind = OpenApiTypes.STR
        parameters.append(OpenApiParameter(name, kind, required=False, description=str(item.label or ""), enum=enum))
    return parameters


def named_enum(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField whose enum is the schema component `component_name`.

    drf-spectacular names enums after the field ("StatusEnum"); several of ours share a name
    with different values (a client's, an account's and an incident's status), which it can
    only resolve with a warning. Naming them here keeps the document exact and warning-free."""
    values = [value for value, _label in choices]

    @extend_schema_field({"type": "string", "enum": values}, component_name=component_name)
    class NamedEnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    NamedEnumField.__name__ = NamedEnumField.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return NamedEnumField


def money(**kwargs) -> serializers.DecimalField:
    """Money as a string with two decimals; never a float."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


ClientStatusField = named_enum("ClientStatusEnum", ClientStatus.choices)


class ClientRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


# --- Clients ------------------------------------------------------------------------------------


class ClientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    trade_name = serializers.CharField()
    display_name = serializers.CharField()
    tax_id = serializers.CharField()
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES)
    sector = serializers.ChoiceField(choices=Sector.choices)
    size_band = serializers.ChoiceField(choices=SizeBand.choices)
    city = serializers.CharField()
    website = serializers.CharField()
    status = ClientStatusField()
    notes = serializers.CharField()
    weight_price = serializers.IntegerField()
    weight_time_to_market = serializers.IntegerField()
    weight_delivery_time = serializers.IntegerField()
    weight_quality = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ClientContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    job_title = serializers.CharField()
    buying_role = serializers.ChoiceField(choices=BuyingRole.choices)
    email = serializers.CharField()
    phone = serializers.CharField()
    is_primary = serializers.BooleanField()


class ClientDetailOutput(ClientOutput):
    contacts = ClientContactOutput(source="contacts.all", many=True)


class ClientListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class ClientCreateInput(StrictSerializer):
        legal_name = serializers.CharField(max_length=200)
        trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        tax_id = serializers.CharField(max_length=32, help_text="Spain: NIF/CIF; other EU countries: the VAT number. Validated and stored compact.")
        country = serializers.ChoiceField(choices=COUNTRY_CHOICES, required=False)
        sector = serializers.ChoiceField(choices=Sector.choices, required=False)
        size_band = serializers.ChoiceField(choices=SizeBand.choices, required=False)
        city = serializers.CharField(max_length=100, required=False, allow_blank=True)
        website = serializers.URLField(max_length=200, required=False, allow_blank=True)
        status = ClientStatusField(required=False)
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        weight_price = serializers.IntegerField(required=False, help_text="Percent; the four weights add up to 100.")
        weight_time_to_market = serializers.IntegerField(required=False)
        weight_delivery_time = serializers.IntegerField(required=False)
        weight_quality = serializers.IntegerField(required=False)

    @extend_schema(operation_id="clients_list", description=LIST_ORDER, parameters=filter_parameters(ClientFilter), responses=ClientOutput(many=True))
    def get(self, request, org_slug):
        clients = selectors.client_list(organization=request.organization)
        return paginated(self, request, filtered(ClientFilter(list_params(request), queryset=clients, request=request)), ClientOutput)

    @extend_schema(operation_id="clients_create", request=ClientCreateInput, responses={201: ClientDetailOutput})
    def post(self, request, org_slug):
        data = read_input(self.ClientCreateInput, request)
        client = services.client_create(organization=request.organization, actor=request.membership, **data)
        return Response(ClientDetailOutput(selectors.client_get(organization=request.organization, client_id=client.pk)).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class ClientUpdateInput(StrictSerializer):
        legal_name = serializers.CharField(max_length=200, required=False)
        trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        tax_id = serializers.CharField(max_length=32, required=False)
        country = serializers.ChoiceField(choices=COUNTRY_CHOICES, required=False)
        sector = serializers.ChoiceField(choices=Sector.choices, required=False)
        size_band = serializers.ChoiceField(choices=SizeBand.choices, required=False)
        city = serializers.CharField(max_length=100, required=False, allow_blank=True)
        website = serializers.URLField(max_length=200, required=False, allow_blank=True)
        status = ClientStatusField(required=False)
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        weight_price = serializers.IntegerField(required=False)
        weight_time_to_market = serializers.IntegerField(required=False)
        weight_delivery_time = serializers.IntegerField(required=False)
        weight_quality = serializers.IntegerField(required=False)

    def _get(self, request, client_id) -> Client:
        try:
            return selectors.client_get(organization=request.organization, client_id=client_id)
        except Client.DoesNotExist:
            raise Http404

    @extend_schema(operation_id="clients_retrieve", responses=ClientDetailOutput)
    def get(self, request, org_slug, client_id):
        return Response(ClientDetailOutput(self._get(request, client_id)).data)

    @extend_schema(operation_id="clients_update", request=ClientUpdateInput, responses=ClientDetailOutput)
    def patch(self, request, org_slug, client_id):
        client = self._get(request, client_id)
        data = read_input(self.ClientUpdateInput, request)
        services.client_update(organization=request.organization, actor=request.membership, client=client, **data)
        return Response(ClientDetailOutput(selectors.client_get(organization=request.organization, client_id=client.pk)).data)


# --- Contacts -----------------------------------------------------------------------------------


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client = ClientRefOutput()
    full_name = serializers.CharField()
    job_title = serializers.CharField()
    buying_role = serializers.ChoiceField(choices=BuyingRole.choices)
    email = serializers.CharField()
    phone = serializers.CharField()
    language = serializers.ChoiceField(choices=CONTACT_LANGUAGE_CHOICES)
    is_primary = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ContactListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

    class ContactCreateInput(StrictSerializer):
        client = serializers.IntegerField(help_text="The id of the client this person works for.")
        full_name = serializers.CharField(max_length=150)
        job_title = serializers.CharField(max_length=120, required=False, allow_blank=True)
        buying_role = serializers.ChoiceField(choices=BuyingRole.choices, required=False)
        email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=CONTACT_LANGUAGE_CHOICES, required=False)
        is_primary = serializers.BooleanField(required=False, help_text="The client's first contact is its primary contact; a new primary replaces the old one.")

    @extend_schema(operation_id="contacts_list", description=LIST_ORDER, parameters=filter_parameters(ContactFilter), responses=ContactOutput(many=True))
    def get(self, request, org_slug):
        contacts = selectors.contact_list(organization=request.organization)
        return paginated(self, request, filtered(ContactFilter(list_params(request), queryset=contacts, request=request)), ContactOutput)

    @extend_schema(operation_id="contacts_create", request=ContactCreateInput, responses={201: ContactOutput})
    def post(self, request, org_slug):
        data = read_input(self.ContactCreateInput, request)
        try:
            client = selectors.client_get(organization=request.organization, client_id=data.pop("client"))
        except Client.DoesNotExist:
            raise ApplicationError(_("Choose a client of this organisation."), {"client": _("Choose a client of this organisation.")})
        contact = services.contact_create(organization=request.organization, actor=request.membership, client=client, **data)
        return Response(ContactOutput(selectors.contact_get(organization=request.organization, contact_id=contact.pk)).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(APIView):
    permission_classes = [IsTenantMember]

    class ContactUpdateInput(StrictSerializer):
        full_name = serializers.CharField(max_length=150, required=False)
        job_title = serializers.CharField(max_length=120, required=False, allow_blank=True)
        buying_role = serializers.ChoiceField(choices=BuyingRole.choices, required=False)
        email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=CONTACT_LANGUAGE_CHOICES, required=False)
        is_primary = serializers.BooleanField(required=False)

    def _get(self, request, contact_id) -> Contact:
        try:
            return selectors.contact_get(organization=request.organization, contact_id=contact_id)
        except Contact.DoesNotExist:
            raise Http404

    @extend_schema(operation_id="contacts_retrieve", responses=ContactOutput)
    def get(self, request, org_slug, contact_id):
        return Response(ContactOutput(self._get(request, contact_id)).data)

    @extend_schema(operation_id="contacts_update", request=ContactUpdateInput, responses=ContactOutput)
    def patch(self, request, org_slug, contact_id):
        contact = self._get(request, contact_id)
        data = read_input(self.ContactUpdateInput, request)
        services.contact_update(organization=request.organization, actor=request.membership, contact=contact, **data)
        return Response(ContactOutput(selectors.contact_get(organization=request.organization, contact_id=contact.pk)).data)
