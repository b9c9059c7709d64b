"""API of clients and contacts: one view per operation group, each with its own input and output
serializers. The client directory is shared by every member; writes go through clients.services,
which decide who may change it."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import selectors, services
from clients.filters import ClientFilter, ContactFilter
from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CHOICES
from config.api import (
    LIST_ORDER,
    StrictSerializer,
    filter_parameters,
    filtered,
    list_params,
    named_enum,
    paginated,
    read_input,
)
from config.api_pagination import CursorPagination
from config.errors import ApplicationError
from tenancy.permissions import IsTenantMember

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
        tax_id = serializers.CharField(
            max_length=32, help_text="Spain: NIF/CIF; other EU countries: the VAT number. Validated and stored compact."
        )
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

    @extend_schema(
        operation_id="clients_list",
        description=LIST_ORDER,
        parameters=filter_parameters(ClientFilter),
        responses=ClientOutput(many=True),
    )
    def get(self, request, org_slug):
        clients = selectors.client_list(organization=request.organization)
        return paginated(
            self, request, filtered(ClientFilter(list_params(request), queryset=clients, request=request)), ClientOutput
        )

    @extend_schema(operation_id="clients_create", request=ClientCreateInput, responses={201: ClientDetailOutput})
    def post(self, request, org_slug):
        data = read_input(self.ClientCreateInput, request)
        client = services.client_create(organization=request.organization, actor=request.membership, **data)
        return Response(
            ClientDetailOutput(selectors.client_get(organization=request.organization, client_id=client.pk)).data,
            status=status.HTTP_201_CREATED,
        )


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
        return Response(
            ClientDetailOutput(selectors.client_get(organization=request.organization, client_id=client.pk)).data
        )


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
        is_primary = serializers.BooleanField(
            required=False,
            help_text="The client's first contact is its primary contact; a new primary replaces the old one.",
        )

    @extend_schema(
        operation_id="contacts_list",
        description=LIST_ORDER,
        parameters=filter_parameters(ContactFilter),
        responses=ContactOutput(many=True),
    )
    def get(self, request, org_slug):
        contacts = selectors.contact_list(organization=request.organization)
        return paginated(
            self,
            request,
            filtered(ContactFilter(list_params(request), queryset=contacts, request=request)),
            ContactOutput,
        )

    @extend_schema(operation_id="contacts_create", request=ContactCreateInput, responses={201: ContactOutput})
    def post(self, request, org_slug):
        data = read_input(self.ContactCreateInput, request)
        try:
            client = selectors.client_get(organization=request.organization, client_id=data.pop("client"))
        except Client.DoesNotExist:
            raise ApplicationError(
                _("Choose a client of this organisation."), {"client": _("Choose a client of this organisation.")}
            )
        contact = services.contact_create(
            organization=request.organization, actor=request.membership, client=client, **data
        )
        return Response(
            ContactOutput(selectors.contact_get(organization=request.organization, contact_id=contact.pk)).data,
            status=status.HTTP_201_CREATED,
        )


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
        return Response(
            ContactOutput(selectors.contact_get(organization=request.organization, contact_id=contact.pk)).data
        )
