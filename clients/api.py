"""API of clients and contacts: one view per operation group, each with its own input and output
serializers. The client directory is shared by every member; writes go through clients.services,
which decide who may change it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import selectors, services
from clients.filters import ClientFilter, ContactFilter
from clients.models import BuyingRole, Client, ClientStatus, Sector, SizeBand
from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CODES
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
from tenancy.models import Organization
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
    country = serializers.ChoiceField(choices=COUNTRY_CODES)
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


class ClientInput(StrictSerializer):
    """A client as the API takes it: parsed here, checked by the model (the tax id for its
    country, the weights adding up to 100). A PATCH sends only what changes."""

    legal_name = serializers.CharField(max_length=200)
    trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tax_id = serializers.CharField(
        max_length=32, help_text="Spain: NIF/CIF; other EU countries: the VAT number. Validated and stored compact."
    )
    country = serializers.ChoiceField(choices=COUNTRY_CODES, required=False)
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


def _save(request, input_class, save, fetch, name: str, row_id: int | None = None, **parse):
    """Creates (no `row_id`; the body parsed with `parse`) or updates (`name=<the row>`, the body
    partial) through the service `save`, and answers with the row `fetch` reads back as it reads
    now. A missing row is not found before the body is read."""

    def get(pk: int):
        return fetch(organization=request.organization, **{f"{name}_id": pk})

    if row_id is None:
        data = read_input(input_class, request, **parse)
        row = save(organization=request.organization, actor=request.membership, **data)
    else:
        row = get(row_id)
        data = read_input(input_class, request, partial=True)
        save(organization=request.organization, actor=request.membership, **{name: row}, **data)
    return get(row.pk)


class ClientListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

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

    @extend_schema(operation_id="clients_create", request=ClientInput, responses={201: ClientDetailOutput})
    def post(self, request, org_slug):
        client = _save(request, ClientInput, services.client_create, selectors.client_get, "client")
        return Response(ClientDetailOutput(client).data, status=status.HTTP_201_CREATED)


class ClientDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="clients_retrieve", responses=ClientDetailOutput)
    def get(self, request, org_slug, client_id):
        client = selectors.client_get(organization=request.organization, client_id=client_id)
        return Response(ClientDetailOutput(client).data)

    @extend_schema(operation_id="clients_update", request=ClientInput, responses=ClientDetailOutput)
    def patch(self, request, org_slug, client_id):
        client = _save(request, ClientInput, services.client_update, selectors.client_get, "client", client_id)
        return Response(ClientDetailOutput(client).data)


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


class ContactInput(StrictSerializer):
    """A contact as the API takes it; a PATCH sends only what changes, and never the client."""

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


class ContactCreateInput(ContactInput):
    # The organisation's clients only (__init__); the class's manager is a placeholder that
    # queries nothing, for the OpenAPI document.
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects,
        help_text="The id of the client this person works for.",
        error_messages={
            "does_not_exist": _("Choose a client of this organisation."),
            "incorrect_type": _("Choose a client of this organisation."),
        },
    )

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if organization is not None:
            self.fields["client"].queryset = Client.objects.filter(organization=organization)


class ContactListApi(APIView):
    permission_classes = [IsTenantMember]
    pagination_class = CursorPagination

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
        contact = _save(
            request,
            ContactCreateInput,
            services.contact_create,
            selectors.contact_get,
            "contact",
            organization=request.organization,
        )
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="contacts_retrieve", responses=ContactOutput)
    def get(self, request, org_slug, contact_id):
        contact = selectors.contact_get(organization=request.organization, contact_id=contact_id)
        return Response(ContactOutput(contact).data)

    @extend_schema(operation_id="contacts_update", request=ContactInput, responses=ContactOutput)
    def patch(self, request, org_slug, contact_id):
        contact = _save(request, ContactInput, services.contact_update, selectors.contact_get, "contact", contact_id)
        return Response(ContactOutput(contact).data)
